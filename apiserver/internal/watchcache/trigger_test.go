package watchcache

import (
	"testing"

	"k8s.io/apimachinery/pkg/watch"

	"github.com/wharfhq/wharf/proto/api"
)

// TestTriggeredWatchers: watchers indexed by a trigger value get exactly
// the changes whose old or new object carries their value, including an
// object moving from one value to another.
func TestTriggeredWatchers(t *testing.T) {
	f := newFixture(t)
	cfg := f.config(0)
	cfg.Trigger = func(o api.Object) string { return o.GetLabels()["node"] }
	c, err := New(f.ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	onNode := func(node string) func(api.Object) bool {
		return func(o api.Object) bool { return o.GetLabels()["node"] == node }
	}
	wa, err := c.Watch(f.ctx, c.Revision(), f.prefix, onNode("a"), WithTrigger("a"))
	if err != nil {
		t.Fatal(err)
	}
	wb, err := c.Watch(f.ctx, c.Revision(), f.prefix, onNode("b"), WithTrigger("b"))
	if err != nil {
		t.Fatal(err)
	}
	all, err := c.Watch(f.ctx, c.Revision(), f.prefix, nil)
	if err != nil {
		t.Fatal(err)
	}
	r1 := f.create("p", map[string]string{"node": "a"}, "1")
	f.update("p", map[string]string{"node": "b"}, "2", r1)
	f.delete("p")

	if ev := next(t, wa); ev.Type != watch.Added {
		t.Fatalf("a: first event %s", ev.Type)
	}
	if ev := next(t, wa); ev.Type != watch.Deleted {
		t.Fatalf("a: moving away must look like a delete, got %s", ev.Type)
	}
	if ev := next(t, wb); ev.Type != watch.Added || data(ev.Object) != "2" {
		t.Fatalf("b: moving in must look like an add, got %s", ev.Type)
	}
	if ev := next(t, wb); ev.Type != watch.Deleted {
		t.Fatalf("b: got %s", ev.Type)
	}
	for _, want := range []watch.EventType{watch.Added, watch.Modified, watch.Deleted} {
		if ev := next(t, all); ev.Type != want {
			t.Fatalf("untriggered watcher: got %s want %s", ev.Type, want)
		}
	}
	select {
	case ev := <-wa.Events():
		t.Fatalf("a got an extra event %s", ev.Type)
	default:
	}
	wa.Stop()
	c.wmu.Lock()
	indexed := len(c.triggered["a"])
	c.wmu.Unlock()
	if indexed != 0 {
		t.Fatal("stopped watcher still indexed")
	}
}
