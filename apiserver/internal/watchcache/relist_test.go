package watchcache

import (
	"errors"
	"fmt"
	"strconv"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/watch"
)

// TestRelistAfterCompaction loads a cache, lets etcd change and compact
// before the cache's watch starts, and checks that the cache relists to
// etcd's state and ends its watchers with ErrTooOld.
func TestRelistAfterCompaction(t *testing.T) {
	f := newFixture(t)
	f.create("gone", nil, "0")
	keep := f.create("kept", nil, "0")
	c, err := newCache(f.config(0))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.relist(f.ctx); err != nil {
		t.Fatal(err)
	}
	w, err := c.Watch(f.ctx, c.Revision(), f.prefix, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	f.delete("gone")
	f.update("kept", nil, "1", keep)
	last := f.create("new", nil, "0")
	if err := testStore.Compact(f.ctx, last); err != nil {
		t.Fatal(err)
	}
	go c.run(f.ctx) // watches from the compacted revision

	if err := closed(t, w); !errors.Is(err, ErrTooOld) {
		t.Fatalf("watcher Err = %v, want ErrTooOld", err)
	}
	if err := c.WaitForRevision(f.ctx, last); err != nil {
		t.Fatal(err)
	}
	objs, _ := c.List(f.prefix)
	got := map[string]string{}
	for _, o := range objs {
		got[o.GetName()] = data(o)
	}
	if want := etcdState(t, f); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after relist cache has %v, want %v", got, want)
	}
	// The cache keeps following etcd after the relist.
	w2 := mustWatch(t, c, f, c.Revision())
	f.delete("new")
	if ev := next(t, w2); ev.Type != watch.Deleted || ev.Object.GetName() != "new" {
		t.Fatalf("after relist got %s %s", ev.Type, ev.Object.GetName())
	}
}

// TestSlowWatcher fills one watcher's buffer: it is ended with ErrSlow
// while a reading watcher gets every event.
func TestSlowWatcher(t *testing.T) {
	f := newFixture(t)
	c := f.cache(0)
	slow := mustWatch(t, c, f, c.Revision())
	fast := mustWatch(t, c, f, c.Revision())
	const n = bufferSize + 200
	got := make(chan int, 1)
	go func() {
		count := 0
		for range fast.Events() {
			count++
			if count == n {
				break
			}
		}
		got <- count
	}()
	// Write n keys in transactions of 100 puts.
	for i := 0; i < n; i += 100 {
		var ops []clientv3.Op
		for j := i; j < i+100 && j < n; j++ {
			ops = append(ops, clientv3.OpPut(f.key("k"+strconv.Itoa(j)), string(cmValue(t, "k", nil, "v"))))
		}
		if _, err := testStore.Client().Txn(f.ctx).Then(ops...).Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if count := <-got; count != n {
		t.Fatalf("reading watcher got %d events, want %d", count, n)
	}
	// The slow watcher's buffered events are still readable, then Err.
	seen := 0
	for range slow.Events() {
		seen++
	}
	if !errors.Is(slow.Err(), ErrSlow) || seen != bufferSize {
		t.Fatalf("slow watcher: %d events, Err %v; want %d and ErrSlow", seen, slow.Err(), bufferSize)
	}
}
