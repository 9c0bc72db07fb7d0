package informer

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/watch"
)

func TestKeyOfAndSplitKey(t *testing.T) {
	for _, tc := range []struct {
		ns, name, key string
	}{
		{"default", "web", "default/web"},
		{"", "node-1", "node-1"},
	} {
		p := pod(tc.ns, tc.name, "")
		if got := KeyOf(p); got != tc.key {
			t.Errorf("KeyOf(%s, %s) = %q, want %q", tc.ns, tc.name, got, tc.key)
		}
		if ns, name := SplitKey(tc.key); ns != tc.ns || name != tc.name {
			t.Errorf("SplitKey(%q) = %q, %q", tc.key, ns, name)
		}
	}
	if ns, name := SplitKey("a/b/c"); ns != "a" || name != "b/c" {
		t.Errorf("SplitKey(a/b/c) = %q, %q; want split at the first slash", ns, name)
	}
}

func nodeIndex(p *corev1.Pod) ([]string, error) {
	if p.Spec.NodeName == "" {
		return nil, nil
	}
	if p.Spec.NodeName == "bad" {
		return nil, errors.New("bad node")
	}
	return []string{p.Spec.NodeName}, nil
}

func podOn(ns, name, rv, node string, lbls map[string]string) *corev1.Pod {
	p := pod(ns, name, rv)
	p.Spec.NodeName = node
	p.Labels = lbls
	return p
}

func keysOf(objs []*corev1.Pod) []string {
	out := make([]string, 0, len(objs))
	for _, o := range objs {
		out = append(out, KeyOf(o))
	}
	slices.Sort(out)
	return out
}

func expectKeys(t *testing.T, what string, objs []*corev1.Pod, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if got := keysOf(objs); !slices.Equal(got, want) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func TestListerAndIndexers(t *testing.T) {
	lw := newFakeLW(staticList("10",
		podOn("a", "p1", "1", "n1", map[string]string{"app": "web"}),
		podOn("a", "p2", "2", "n2", map[string]string{"app": "db"}),
		podOn("b", "p3", "3", "n1", map[string]string{"app": "web"}),
		podOn("", "p4", "4", "", nil),
		podOn("b", "p5", "5", "bad", nil),
	))
	inf := New[*corev1.Pod](lw, Options[*corev1.Pod]{Indexers: map[string]IndexFunc[*corev1.Pod]{"node": nodeIndex}})
	rec := newRecorder()
	inf.AddHandler(rec.handler())
	start(t, inf)
	rec.expectSet(t, "add a/p1 1 true", "add a/p2 2 true", "add b/p3 3 true", "add p4 4 true", "add b/p5 5 true")
	l := inf.Lister()

	expectKeys(t, "ByIndex(node, n1)", l.ByIndex("node", "n1"), "a/p1", "b/p3")
	expectKeys(t, "ByIndex(node, nowhere)", l.ByIndex("node", "nowhere"))
	if l.ByIndex("no-such-index", "x") != nil {
		t.Fatal("ByIndex of an unknown index is not nil")
	}
	expectKeys(t, "ByNamespace(a)", l.ByNamespace("a"), "a/p1", "a/p2")
	expectKeys(t, "ByNamespace(\"\")", l.ByNamespace(""), "a/p1", "a/p2", "b/p3", "b/p5", "p4")
	expectKeys(t, "ByIndex(namespace, \"\")", l.ByIndex(NamespaceIndexName, ""), "p4")
	sel := labels.SelectorFromSet(labels.Set{"app": "web"})
	expectKeys(t, "List(app=web)", l.List(sel), "a/p1", "b/p3")
	expectKeys(t, "List(nil)", l.List(nil), "a/p1", "a/p2", "b/p3", "b/p5", "p4")
	expectKeys(t, "List(Nothing)", l.List(labels.Nothing()))
	expectKeys(t, "ListNamespace(b, app=web)", l.ListNamespace("b", sel), "b/p3")
	if got := slices.Sorted(slices.Values(l.Keys())); !slices.Equal(got, []string{"a/p1", "a/p2", "b/p3", "b/p5", "p4"}) {
		t.Fatalf("Keys() = %v", got)
	}
	if p, ok := l.GetByKey("p4"); !ok || p.Name != "p4" {
		t.Fatal("GetByKey(p4) failed")
	}

	// Moving p1 to n2 re-indexes it; deleting p3 un-indexes it.
	w := lw.nextWatch(t, nil)
	w.send(t, watch.Modified, podOn("a", "p1", "11", "n2", nil))
	w.send(t, watch.Deleted, podOn("b", "p3", "12", "n1", nil))
	w.send(t, watch.Modified, podOn("b", "p5", "13", "n1", nil)) // index error healed
	rec.expect(t, "update a/p1 1->11", "delete b/p3 12", "update b/p5 5->13")
	expectKeys(t, "ByIndex(node, n1)", l.ByIndex("node", "n1"), "b/p5")
	expectKeys(t, "ByIndex(node, n2)", l.ByIndex("node", "n2"), "a/p1", "a/p2")
	expectKeys(t, "ByNamespace(b)", l.ByNamespace("b"), "b/p5")
	expectKeys(t, "List(app=web)", l.List(sel))
}

func TestPagedList(t *testing.T) {
	all := []*corev1.Pod{pod("ns", "a", "1"), pod("ns", "b", "2"), pod("ns", "c", "3"), pod("ns", "d", "4"), pod("ns", "e", "5")}
	lw := newFakeLW(func(opts metav1.ListOptions) (*podList, error) {
		if opts.Limit != 2 {
			return nil, fmt.Errorf("limit = %d, want 2", opts.Limit)
		}
		start := 0
		if opts.Continue != "" {
			start, _ = strconv.Atoi(opts.Continue)
		}
		end := min(start+2, len(all))
		l := &podList{Items: all[start:end], ResourceVersion: "42"}
		if end < len(all) {
			l.Continue = strconv.Itoa(end)
		}
		return l, nil
	})
	inf := New[*corev1.Pod](lw, Options[*corev1.Pod]{PageSize: 2})
	start(t, inf)
	w := lw.nextWatch(t, nil)
	if w.opts.ResourceVersion != "42" || w.opts.Limit != 0 || w.opts.Continue != "" {
		t.Fatalf("watch opts %+v; want rv 42 and no paging", w.opts)
	}
	if got := inf.Lister().Len(); got != 5 {
		t.Fatalf("Len() = %d after paged list, want 5", got)
	}
	calls := lw.listCalls()
	if len(calls) != 3 || calls[0].Continue != "" || calls[1].Continue != "2" || calls[2].Continue != "4" {
		t.Fatalf("list calls = %+v; want 3 pages", calls)
	}
}

func TestPagedListFallsBackWhenContinueExpires(t *testing.T) {
	lw := newFakeLW(func(opts metav1.ListOptions) (*podList, error) {
		switch {
		case opts.Limit == 0:
			return &podList{Items: []*corev1.Pod{pod("ns", "a", "1"), pod("ns", "b", "2")}, ResourceVersion: "7"}, nil
		case opts.Continue == "":
			return &podList{Items: []*corev1.Pod{pod("ns", "a", "1")}, ResourceVersion: "5", Continue: "x"}, nil
		default:
			return nil, apierrors.NewResourceExpired("continue token expired")
		}
	})
	inf := New[*corev1.Pod](lw, Options[*corev1.Pod]{PageSize: 1})
	start(t, inf)
	w := lw.nextWatch(t, nil)
	if w.opts.ResourceVersion != "7" || inf.Lister().Len() != 2 {
		t.Fatalf("rv %q, %d objects; want the unpaged list (rv 7, 2 objects)", w.opts.ResourceVersion, inf.Lister().Len())
	}
}

func TestListOptionsAppliedToListAndWatch(t *testing.T) {
	lw := newFakeLW(staticList("1"))
	inf := New[*corev1.Pod](lw, Options[*corev1.Pod]{ListOptions: func(o *metav1.ListOptions) {
		o.LabelSelector = "app=web"
		o.FieldSelector = "spec.nodeName=n1"
		o.ResourceVersion = "ignored"
	}})
	start(t, inf)
	w := lw.nextWatch(t, nil)
	l := lw.listCalls()[0]
	if l.LabelSelector != "app=web" || l.FieldSelector != "spec.nodeName=n1" || l.ResourceVersion != "" {
		t.Fatalf("list opts = %+v", l)
	}
	if w.opts.LabelSelector != "app=web" || w.opts.FieldSelector != "spec.nodeName=n1" || w.opts.ResourceVersion != "1" {
		t.Fatalf("watch opts = %+v", w.opts)
	}
	if w.opts.TimeoutSeconds == nil || *w.opts.TimeoutSeconds < 300 || *w.opts.TimeoutSeconds > 600 {
		t.Fatalf("watch timeout = %v, want 300..600s", w.opts.TimeoutSeconds)
	}
}

// TestConcurrentReaders streams events while many goroutines read the
// cache; run with -race.
func TestConcurrentReaders(t *testing.T) {
	lw := newFakeLW(staticList("1"))
	inf := New[*corev1.Pod](lw, Options[*corev1.Pod]{Indexers: map[string]IndexFunc[*corev1.Pod]{"node": nodeIndex}})
	rec := newRecorder()
	inf.AddHandler(Handler[*corev1.Pod]{OnDelete: func(p *corev1.Pod) { rec.ch <- "delete " + p.Name }})
	start(t, inf)
	w := lw.nextWatch(t, nil)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	l := inf.Lister()
	sel := labels.SelectorFromSet(labels.Set{"app": "web"})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, p := range l.List(sel) {
					_ = p.Spec.NodeName
				}
				l.ByIndex("node", "n1")
				l.ByNamespace("ns")
				l.Get("ns", "p0")
				l.Keys()
			}
		}()
	}
	const n = 200
	for i := range n {
		name := "p" + strconv.Itoa(i%20)
		typ := watch.Modified
		if i%7 == 0 {
			typ = watch.Deleted
		}
		w.send(t, typ, podOn("ns", name, strconv.Itoa(i+2), "n"+strconv.Itoa(i%3), map[string]string{"app": "web"}))
	}
	w.send(t, watch.Deleted, pod("ns", "sentinel", "1000"))
	for got := ""; got != "delete sentinel"; {
		select {
		case got = <-rec.ch:
		case <-time.After(waitLimit):
			t.Fatal("sentinel delete not delivered")
		}
	}
	close(stop)
	wg.Wait()
	// Cross-check the node index against a scan of the cache.
	for _, node := range []string{"n0", "n1", "n2"} {
		var want []string
		for _, p := range l.List(nil) {
			if p.Spec.NodeName == node {
				want = append(want, KeyOf(p))
			}
		}
		slices.Sort(want)
		expectKeys(t, "ByIndex(node, "+node+")", l.ByIndex("node", node), want...)
	}
}
