package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wharfhq/wharf/apiserver/internal/storage"
)

// collect reads events from ch until it has n or the test times out.
func collect(t *testing.T, ch <-chan storage.WatchResult, n int) []storage.Event {
	t.Helper()
	var evs []storage.Event
	timeout := time.After(20 * time.Second)
	for len(evs) < n {
		select {
		case r, ok := <-ch:
			if !ok {
				t.Fatalf("watch closed after %d events", len(evs))
			}
			if r.Err != nil {
				t.Fatalf("watch error: %v", r.Err)
			}
			evs = append(evs, r.Events...)
		case <-timeout:
			t.Fatalf("got %d events, want %d", len(evs), n)
		}
	}
	return evs
}

func TestWatchEvents(t *testing.T) {
	ctx := ctxT(t)
	prefix := pfx(t, "watched")
	start, err := store.CurrentRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ch := store.Watch(ctx, prefix, start+1)
	r1, err := store.Create(ctx, prefix+"a", []byte("1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Create(ctx, pfx(t, "other")+"a", []byte("x")); err != nil {
		t.Fatal(err)
	}
	r2, err := store.Update(ctx, prefix+"a", []byte("2"), r1)
	if err != nil {
		t.Fatal(err)
	}
	del, err := store.Delete(ctx, prefix+"a", r2)
	if err != nil {
		t.Fatal(err)
	}
	evs := collect(t, ch, 3)
	want := []storage.Event{
		{Type: storage.EventPut, Key: prefix + "a", Value: []byte("1"), Created: true, Revision: r1},
		{Type: storage.EventPut, Key: prefix + "a", Value: []byte("2"), PrevValue: []byte("1"), Revision: r2},
		{Type: storage.EventDelete, Key: prefix + "a", PrevValue: []byte("2"), Revision: del.ModRevision},
	}
	for i, w := range want {
		g := evs[i]
		if g.Type != w.Type || g.Key != w.Key || string(g.Value) != string(w.Value) ||
			string(g.PrevValue) != string(w.PrevValue) || g.Created != w.Created || g.Revision != w.Revision {
			t.Errorf("event %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestWatchFromCompactedRevision(t *testing.T) {
	ctx := ctxT(t)
	prefix := pfx(t, "wcompact")
	r1, err := store.Create(ctx, prefix+"a", []byte("1"))
	if err != nil {
		t.Fatal(err)
	}
	r2, err := store.Update(ctx, prefix+"a", []byte("2"), r1)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Compact(ctx, r2); err != nil {
		t.Fatal(err)
	}
	ch := store.Watch(ctx, prefix, r1)
	select {
	case r, ok := <-ch:
		if !ok || !errors.Is(r.Err, storage.ErrCompacted) {
			t.Fatalf("got %+v (open %v), want ErrCompacted", r, ok)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no result from watch on compacted revision")
	}
	if _, ok := <-ch; ok {
		t.Fatal("channel not closed after error")
	}
}

func TestWatchClosesOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := store.Watch(ctx, "/registry/cancelled/", 0)
	cancel()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("watch channel not closed after cancel")
		}
	}
}

func TestWatchProgress(t *testing.T) {
	ctx := ctxT(t)
	ch := store.Watch(ctx, "/registry/progress/", 0)
	cur, err := store.CurrentRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	timeout := time.After(20 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if err := store.RequestProgress(ctx); err != nil {
				t.Fatal(err)
			}
		case r := <-ch:
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if len(r.Events) == 0 && r.Revision >= cur {
				return
			}
		case <-timeout:
			t.Fatal("no progress notification")
		}
	}
}

func TestCompactor(t *testing.T) {
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	prefix := pfx(t, "compactor")
	r1, err := store.Create(ctx, prefix+"a", []byte("1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Update(ctx, prefix+"a", []byte("2"), r1); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); store.RunCompactor(ctx, 20*time.Millisecond) }()
	deadline := time.After(20 * time.Second)
	for {
		_, err := store.List(ctx, prefix, storage.ListOptions{Revision: r1})
		if errors.Is(err, storage.ErrCompacted) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-deadline:
			t.Fatal("compactor never compacted past r1")
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	<-done
}
