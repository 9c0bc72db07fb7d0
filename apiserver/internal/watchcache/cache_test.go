package watchcache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/watch"

	"github.com/wharfhq/wharf/apiserver/internal/storage"
	"github.com/wharfhq/wharf/proto/api"
)

func TestNewRejectsBadConfig(t *testing.T) {
	ctx := context.Background()
	for _, cfg := range []Config{
		{Prefix: "/registry/x/", Decode: decode},
		{Store: testStore, Prefix: "/registry/x/"},
		{Store: testStore, Prefix: "/registry/x", Decode: decode},
		{Store: testStore, Prefix: "registry/x/", Decode: decode},
	} {
		if _, err := New(ctx, cfg); err == nil {
			t.Errorf("New(%+v): want error", cfg)
		}
	}
}

func TestListGetAndWatchFromZero(t *testing.T) {
	f := newFixture(t)
	f.create("b", nil, "b1")
	f.create("a", nil, "a1")
	f.create("c", nil, "c1")
	c := f.cache(0)

	objs, rev := c.List(f.prefix)
	if len(objs) != 3 || objs[0].GetName() != "a" || objs[2].GetName() != "c" {
		t.Fatalf("List = %v", objs)
	}
	if cur, _ := testStore.CurrentRevision(f.ctx); rev != cur {
		t.Fatalf("List rev = %d, want %d", rev, cur)
	}
	if got, ok := c.Get(f.key("b")); !ok || data(got) != "b1" {
		t.Fatalf("Get(b) = %v, %v", got, ok)
	}
	if _, ok := c.Get(f.key("zz")); ok {
		t.Fatal("Get(zz): want not found")
	}
	if objs, _ := c.List(f.prefix + "other/"); len(objs) != 0 {
		t.Fatalf("List(other ns) = %v", objs)
	}

	w, err := c.Watch(f.ctx, 0, f.prefix, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for _, name := range []string{"a", "b", "c"} {
		ev := next(t, w)
		if ev.Type != watch.Added || ev.Object.GetName() != name || ev.Revision != rev {
			t.Fatalf("initial event = %s %s @%d, want ADDED %s @%d", ev.Type, ev.Object.GetName(), ev.Revision, name, rev)
		}
	}
	r := f.create("d", nil, "d1")
	ev := next(t, w)
	if ev.Type != watch.Added || ev.Object.GetName() != "d" || ev.Revision != r || rv(ev.Object) != strconv.FormatInt(r, 10) {
		t.Fatalf("live event = %s %s @%d rv %s, want ADDED d @%d", ev.Type, ev.Object.GetName(), ev.Revision, rv(ev.Object), r)
	}
	if ev.Object.GetObjectKind().GroupVersionKind().Kind != "ConfigMap" {
		t.Fatalf("event object has no kind: %v", ev.Object.GetObjectKind())
	}
}

// TestListWatchConsistency lists and watches while writers run and checks
// that list state + watch events == etcd's final state.
func TestListWatchConsistency(t *testing.T) {
	f := newFixture(t)
	c := f.cache(0)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			randomWrites(f, g, 60)
		}()
	}
	// Take the snapshot mid-way through the writes.
	_ = next(t, mustWatch(t, c, f, 0))
	objs, rev := c.List(f.prefix)
	w := mustWatch(t, c, f, rev)
	wg.Wait()
	final, err := testStore.CurrentRevision(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	state := map[string]string{}
	for _, o := range objs {
		state[o.GetName()] = data(o)
	}
	last := rev
	for last < final {
		ev := next(t, w)
		if ev.Revision <= last {
			t.Fatalf("event revision %d not after %d", ev.Revision, last)
		}
		last = ev.Revision
		if ev.Type == watch.Deleted {
			delete(state, ev.Object.GetName())
		} else {
			state[ev.Object.GetName()] = data(ev.Object)
		}
	}
	want := etcdState(t, f)
	if fmt.Sprint(state) != fmt.Sprint(want) {
		t.Fatalf("list+watch state\n%v\nwant etcd state\n%v", state, want)
	}
	objs, _ = c.List(f.prefix)
	if len(objs) != len(want) {
		t.Fatalf("cache has %d objects, etcd %d", len(objs), len(want))
	}
}

func mustWatch(t *testing.T, c *Cache, f *fixture, from int64) *Watcher {
	t.Helper()
	w, err := c.Watch(f.ctx, from, f.prefix, nil)
	if err != nil {
		t.Fatalf("Watch(%d): %v", from, err)
	}
	t.Cleanup(w.Stop)
	return w
}

// randomWrites creates, updates and deletes objects g-0..g-4.
func randomWrites(f *fixture, g, n int) {
	rng := rand.New(rand.NewPCG(uint64(g), 1))
	for i := range n {
		name := fmt.Sprintf("g%d-%d", g, rng.IntN(5))
		val := cmValue(f.t, name, nil, strconv.Itoa(i))
		kv, err := testStore.Get(f.ctx, f.key(name))
		switch {
		case errors.Is(err, storage.ErrNotFound):
			_, err = testStore.Create(f.ctx, f.key(name), val)
		case err == nil && rng.IntN(3) == 0:
			_, err = testStore.Delete(f.ctx, f.key(name), kv.ModRevision)
		case err == nil:
			_, err = testStore.Update(f.ctx, f.key(name), val, kv.ModRevision)
		}
		if err != nil {
			f.t.Errorf("write %s: %v", name, err)
			return
		}
	}
}

func etcdState(t *testing.T, f *fixture) map[string]string {
	t.Helper()
	res, err := testStore.List(f.ctx, f.prefix, storage.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	state := map[string]string{}
	for _, kv := range res.Items {
		o, err := decode(kv)
		if err != nil {
			t.Fatal(err)
		}
		state[o.GetName()] = data(o)
	}
	return state
}

// TestResume stops and resumes a watch from the last revision it saw
// while writes go on: together the watches see every write exactly once.
func TestResume(t *testing.T) {
	f := newFixture(t)
	c := f.cache(0)
	start := c.Revision()
	const n = 150
	revs := make(chan int64, n)
	go func() {
		defer close(revs)
		prev := f.create("x", nil, "0")
		revs <- prev
		for i := 1; i < n; i++ {
			prev = f.update("x", nil, strconv.Itoa(i), prev)
			revs <- prev
		}
	}()
	var want []int64
	for r := range revs {
		want = append(want, r)
	}
	var got []int64
	from := start
	for len(got) < n {
		w := mustWatch(t, c, f, from)
		for range 1 + len(got)%7 {
			if len(got) == n {
				break
			}
			ev := next(t, w)
			if data(ev.Object) != strconv.Itoa(len(got)) {
				t.Fatalf("event %d carries data %q", len(got), data(ev.Object))
			}
			got = append(got, ev.Revision)
			from = ev.Revision
		}
		w.Stop()
		if err := closed(t, w); err != nil {
			t.Fatalf("stopped watch Err = %v", err)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("resumed watches saw\n%v\nwant\n%v", got, want)
	}
}

func TestTooOld(t *testing.T) {
	f := newFixture(t)
	c := f.cache(10)
	first := f.create("x", nil, "0")
	prev := first
	for i := 1; i < 30; i++ {
		prev = f.update("x", nil, strconv.Itoa(i), prev)
	}
	if err := c.WaitForRevision(f.ctx, prev); err != nil {
		t.Fatal(err)
	}
	_, err := c.Watch(f.ctx, first, f.prefix, nil)
	if !errors.Is(err, ErrTooOld) {
		t.Fatalf("Watch(%d) err = %v, want ErrTooOld", first, err)
	}
	var o interface{ Oldest() int64 }
	if !errors.As(err, &o) || o.Oldest() <= first || o.Oldest() > prev {
		t.Fatalf("error %v has no sensible Oldest()", err)
	}
	w := mustWatch(t, c, f, o.Oldest())
	n := 0
	for {
		ev := next(t, w)
		n++
		if ev.Revision == prev {
			break
		}
	}
	if n != 10 {
		t.Fatalf("watch from oldest got %d events, want 10 (the capacity)", n)
	}
}

func TestFilterTransitions(t *testing.T) {
	f := newFixture(t)
	c := f.cache(0)
	match := func(o api.Object) bool { return o.GetLabels()["app"] == "web" }
	w, err := c.Watch(f.ctx, c.Revision(), f.prefix, match)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	web := map[string]string{"app": "web"}

	r := f.create("x", nil, "0")      // neither: skipped
	r1 := f.update("x", web, "1", r)  // only now: ADDED
	r2 := f.update("x", web, "2", r1) // both: MODIFIED
	r3 := f.update("x", nil, "3", r2) // only before: DELETED
	f.delete("x")                     // neither: skipped
	f.create("y", web, "y")           // ADDED
	ry := f.delete("y")               // DELETED with last state
	want := []struct {
		typ  watch.EventType
		data string
		rev  int64
	}{{watch.Added, "1", r1}, {watch.Modified, "2", r2}, {watch.Deleted, "2", r3}, {watch.Added, "y", 0}, {watch.Deleted, "y", ry}}
	for i, w0 := range want {
		ev := next(t, w)
		if ev.Type != w0.typ || data(ev.Object) != w0.data || (w0.rev != 0 && ev.Revision != w0.rev) {
			t.Fatalf("event %d = %s %q @%d, want %s %q @%d", i, ev.Type, data(ev.Object), ev.Revision, w0.typ, w0.data, w0.rev)
		}
		if rv(ev.Object) != strconv.FormatInt(ev.Revision, 10) {
			t.Fatalf("event %d object resourceVersion %s, want %d", i, rv(ev.Object), ev.Revision)
		}
	}
	// The cache's own objects are not changed by DELETED copies.
	w2, err := c.Watch(f.ctx, r, f.prefix, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Stop()
	if ev := next(t, w2); ev.Type != watch.Modified || rv(ev.Object) != strconv.FormatInt(r1, 10) {
		t.Fatalf("unfiltered replay = %s rv %s", ev.Type, rv(ev.Object))
	}
}

func TestFrameSharedAndEncoded(t *testing.T) {
	f := newFixture(t)
	c := f.cache(0)
	w1 := mustWatch(t, c, f, c.Revision())
	w2 := mustWatch(t, c, f, c.Revision())
	f.create("x", nil, "0")
	e1, e2 := next(t, w1), next(t, w2)
	b1, b2 := e1.Frame(), e2.Frame()
	if &b1[0] != &b2[0] {
		t.Fatal("watchers got separately encoded frames")
	}
	var line struct {
		Type   string          `json:"type"`
		Object json.RawMessage `json:"object"`
	}
	if b1[len(b1)-1] != '\n' {
		t.Fatal("frame does not end in a newline")
	}
	if err := json.Unmarshal(b1, &line); err != nil {
		t.Fatalf("frame %s: %v", b1, err)
	}
	want, _ := json.Marshal(e1.Object)
	var got, exp map[string]any
	if err := json.Unmarshal(line.Object, &got); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(want, &exp)
	if line.Type != "ADDED" || !reflect.DeepEqual(got, exp) {
		t.Fatalf("frame = %s, want object %s", b1, want)
	}
}

func TestWaitForRevisionOfOtherResource(t *testing.T) {
	f := newFixture(t)
	c := f.cache(0)
	rev, err := testStore.Create(f.ctx, f.prefix[:len(f.prefix)-1]+"-elsewhere/x", []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitForRevision(f.ctx, rev); err != nil {
		t.Fatalf("WaitForRevision(%d): %v (cache at %d)", rev, err, c.Revision())
	}
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	if err := c.WaitForRevision(ctx, rev+1000); err == nil {
		t.Fatal("WaitForRevision with cancelled ctx: want error")
	}
}

func TestWatchBadRevisions(t *testing.T) {
	f := newFixture(t)
	c := f.cache(0)
	if _, err := c.Watch(f.ctx, -1, f.prefix, nil); err == nil {
		t.Fatal("Watch(-1): want error")
	}
	if _, err := c.Watch(f.ctx, c.Revision()+1_000_000, f.prefix, nil); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Watch(future) err = %v, want ErrTooLarge", err)
	}
}

func TestWatchEndsWithContext(t *testing.T) {
	f := newFixture(t)
	c := f.cache(0)
	ctx, cancel := context.WithCancel(f.ctx)
	w, err := c.Watch(ctx, 0, f.prefix, nil)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := closed(t, w); err != nil {
		t.Fatalf("Err = %v, want nil", err)
	}
}

func TestCacheStopEndsWatchers(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(f.ctx)
	c, err := New(ctx, f.config(0))
	if err != nil {
		t.Fatal(err)
	}
	w := mustWatch(t, c, f, 0)
	cancel()
	if err := closed(t, w); err != nil {
		t.Fatalf("Err = %v, want nil", err)
	}
	<-c.done
	if _, err := c.Watch(f.ctx, 0, f.prefix, nil); !errors.Is(err, ErrStopped) {
		t.Fatalf("Watch on stopped cache err = %v", err)
	}
}
