package compat

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
)

// waitTimeout bounds every wait for an event; it only turns a hang into a
// failure and is not a speed assertion.
const waitTimeout = 30 * time.Second

type informerEvent struct {
	kind string // add, update, delete
	name string
}

func TestInformer(t *testing.T) {
	_, cs := start(t)
	createPods(t, cs, newPod("before", nil))
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(ns))
	podInformer := factory.Core().V1().Pods()
	events := make(chan informerEvent, 64)
	_, err := podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { events <- informerEvent{"add", obj.(*corev1.Pod).Name} },
		UpdateFunc: func(_, obj any) {
			events <- informerEvent{"update", obj.(*corev1.Pod).Name}
		},
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			events <- informerEvent{"delete", obj.(*corev1.Pod).Name}
		},
	})
	if err != nil {
		t.Fatalf("add handler: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer func() { cancel(); factory.Shutdown() }()
	factory.Start(ctx.Done())
	for typ, ok := range factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			t.Fatalf("informer for %v did not sync", typ)
		}
	}
	expect(t, events, informerEvent{"add", "before"})

	createPods(t, cs, newPod("live", nil))
	expect(t, events, informerEvent{"add", "live"})
	p, err := cs.CoreV1().Pods(ns).Get(t.Context(), "live", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Labels = map[string]string{"changed": "1"}
	if _, err := cs.CoreV1().Pods(ns).Update(t.Context(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update: %v", err)
	}
	expect(t, events, informerEvent{"update", "live"})
	cached, err := podInformer.Lister().Pods(ns).List(labels.SelectorFromSet(labels.Set{"changed": "1"}))
	if err != nil || len(cached) != 1 || cached[0].Name != "live" {
		t.Fatalf("lister after update: %v %v", cached, err)
	}
	if err := cs.CoreV1().Pods(ns).Delete(t.Context(), "live", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	expect(t, events, informerEvent{"delete", "live"})
}

func expect(t *testing.T, events <-chan informerEvent, want informerEvent) {
	t.Helper()
	select {
	case got := <-events:
		if got != want {
			t.Fatalf("informer event %+v, want %+v", got, want)
		}
	case <-time.After(waitTimeout):
		t.Fatalf("no informer event within %v, want %+v", waitTimeout, want)
	}
}

// TestWatchAcrossRestart watches pods from a resourceVersion with client-go's
// RetryWatcher, restarts the apiserver in the middle, and checks that every
// change arrives exactly once and in revision order.
func TestWatchAcrossRestart(t *testing.T) {
	s, cs := start(t)
	pods := cs.CoreV1().Pods(ns)
	l, err := pods.List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	// Changes made between the list and the watch must still be delivered.
	createPods(t, cs, newPod("w-00", nil), newPod("w-01", nil))
	rw, err := watchtools.NewRetryWatcherWithContext(t.Context(), l.ResourceVersion, &cache.ListWatch{
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return pods.Watch(ctx, o)
		},
	})
	if err != nil {
		t.Fatalf("retry watcher: %v", err)
	}
	defer rw.Stop()
	var want []string
	for i := range 2 {
		want = append(want, fmt.Sprintf("ADDED w-%02d", i))
	}
	for i := 2; i < 6; i++ {
		createPods(t, cs, newPod(fmt.Sprintf("w-%02d", i), nil))
		want = append(want, fmt.Sprintf("ADDED w-%02d", i))
	}
	got := collect(t, rw.ResultChan(), len(want))

	s.Restart(t)
	for i := 6; i < 10; i++ {
		createPods(t, cs, newPod(fmt.Sprintf("w-%02d", i), nil))
		want = append(want, fmt.Sprintf("ADDED w-%02d", i))
	}
	if err := pods.Delete(t.Context(), "w-03", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete after restart: %v", err)
	}
	createPods(t, cs, newPod("w-sentinel", nil))
	want = append(want, "DELETED w-03", "ADDED w-sentinel")
	got = append(got, collect(t, rw.ResultChan(), len(want)-len(got))...)

	var lastRV int64
	for i, g := range got {
		if g.line != want[i] {
			t.Fatalf("event %d: got %q, want %q\nall: %v", i, g.line, want[i], got)
		}
		if g.rv <= lastRV {
			t.Fatalf("event %d (%s): resourceVersion %d not after %d", i, g.line, g.rv, lastRV)
		}
		lastRV = g.rv
	}
}

type seenEvent struct {
	line string
	rv   int64
}

func collect(t *testing.T, ch <-chan watch.Event, n int) []seenEvent {
	t.Helper()
	var out []seenEvent
	timeout := time.After(waitTimeout)
	for len(out) < n {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("watch closed after %d of %d events: %v", len(out), n, out)
			}
			if ev.Type == watch.Bookmark {
				continue
			}
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				t.Fatalf("event %s with %T, want *v1.Pod: %+v", ev.Type, ev.Object, ev.Object)
			}
			rv, err := strconv.ParseInt(p.ResourceVersion, 10, 64)
			if err != nil {
				t.Fatalf("event %s %s: resourceVersion %q is not an integer", ev.Type, p.Name, p.ResourceVersion)
			}
			out = append(out, seenEvent{line: string(ev.Type) + " " + p.Name, rv: rv})
		case <-timeout:
			t.Fatalf("got %d of %d watch events within %v: %v", len(out), n, waitTimeout, out)
		}
	}
	return out
}

// TestWatchExpired moves a resourceVersion out of a small watch cache and
// compacts etcd past it, then expects a watch from it to end in 410 Gone (an
// error, or an ERROR event carrying an Expired Status), which is what makes
// client-go's reflector relist. (Like upstream's cacher, Wharf may serve
// compacted revisions while its watch cache still holds them.)
func TestWatchExpired(t *testing.T) {
	s, cs := start(t, apiservertest.WithWatchCacheCapacity(2))
	pods := cs.CoreV1().Pods(ns)
	createPods(t, cs, newPod("old", nil))
	l, err := pods.List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		createPods(t, cs, newPod(fmt.Sprintf("newer-%d", i), nil))
	}
	if _, err := s.Compact(t.Context()); err != nil {
		t.Fatalf("compact: %v", err)
	}
	w, err := pods.Watch(t.Context(), metav1.ListOptions{ResourceVersion: l.ResourceVersion})
	if err != nil {
		if !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
			t.Fatalf("watch from a compacted resourceVersion: want 410, got %v", err)
		}
		return
	}
	defer w.Stop()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatal("watch closed without an event")
		}
		st, isStatus := ev.Object.(*metav1.Status)
		if ev.Type != watch.Error || !isStatus || st.Code != 410 {
			t.Fatalf("first event %s %+v, want ERROR with a 410 Status", ev.Type, ev.Object)
		}
	case <-time.After(waitTimeout):
		t.Fatalf("no event within %v from a compacted resourceVersion", waitTimeout)
	}
}
