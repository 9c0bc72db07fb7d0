package informer

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	testingclock "k8s.io/utils/clock/testing"

	"github.com/wharfhq/wharf/proto/client"
)

// podList is the list type the fake returns.
type podList = client.List[*corev1.Pod]

// waitLimit only turns a hang into a failure; nothing asserts speed.
const waitLimit = 10 * time.Second

// fakeLW is a scripted ListerWatcher. List calls listFn; every Watch call
// either returns the next scripted error or opens a fakeWatch that the
// test receives from watches.
type fakeLW struct {
	mu        sync.Mutex
	listFn    func(opts metav1.ListOptions) (*client.List[*corev1.Pod], error)
	listOpts  []metav1.ListOptions
	watchErrs []error
	watches   chan *fakeWatch
}

func newFakeLW(listFn func(opts metav1.ListOptions) (*client.List[*corev1.Pod], error)) *fakeLW {
	return &fakeLW{listFn: listFn, watches: make(chan *fakeWatch, 16)}
}

// staticList returns a listFn that always lists items at rv.
func staticList(rv string, items ...*corev1.Pod) func(metav1.ListOptions) (*client.List[*corev1.Pod], error) {
	return func(metav1.ListOptions) (*client.List[*corev1.Pod], error) {
		return &client.List[*corev1.Pod]{Items: items, ResourceVersion: rv}, nil
	}
}

func (f *fakeLW) setList(fn func(metav1.ListOptions) (*client.List[*corev1.Pod], error)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listFn = fn
}

func (f *fakeLW) List(_ context.Context, opts metav1.ListOptions) (*client.List[*corev1.Pod], error) {
	f.mu.Lock()
	f.listOpts = append(f.listOpts, opts)
	fn := f.listFn
	f.mu.Unlock()
	return fn(opts)
}

func (f *fakeLW) listCalls() []metav1.ListOptions {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]metav1.ListOptions(nil), f.listOpts...)
}

// failNextWatch makes the next Watch call return err.
func (f *fakeLW) failNextWatch(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.watchErrs = append(f.watchErrs, err)
}

func (f *fakeLW) Watch(_ context.Context, opts metav1.ListOptions) (Watcher[*corev1.Pod], error) {
	f.mu.Lock()
	if len(f.watchErrs) > 0 {
		err := f.watchErrs[0]
		f.watchErrs = f.watchErrs[1:]
		f.mu.Unlock()
		return nil, err
	}
	f.mu.Unlock()
	w := &fakeWatch{opts: opts, events: make(chan client.Event[*corev1.Pod]), stopped: make(chan struct{})}
	f.watches <- w
	return w, nil
}

// nextWatch returns the next opened watch, stepping fc past any backoff.
func (f *fakeLW) nextWatch(t *testing.T, fc *testingclock.FakeClock) *fakeWatch {
	t.Helper()
	deadline := time.After(waitLimit)
	for {
		select {
		case w := <-f.watches:
			return w
		case <-deadline:
			t.Fatal("no Watch call")
		case <-time.After(time.Millisecond):
			if fc != nil && fc.HasWaiters() {
				fc.Step(backoffMax)
			}
		}
	}
}

// fakeWatch is one scripted watch stream.
type fakeWatch struct {
	opts     metav1.ListOptions
	events   chan client.Event[*corev1.Pod]
	stopped  chan struct{}
	stopOnce sync.Once
	err      error
}

func (w *fakeWatch) Events() <-chan client.Event[*corev1.Pod] { return w.events }
func (w *fakeWatch) Stop()                                    { w.stopOnce.Do(func() { close(w.stopped) }) }
func (w *fakeWatch) Err() error                               { return w.err }

// send delivers ev to the informer.
func (w *fakeWatch) send(t *testing.T, typ watch.EventType, p *corev1.Pod) {
	t.Helper()
	select {
	case w.events <- client.Event[*corev1.Pod]{Type: typ, Object: p}:
	case <-time.After(waitLimit):
		t.Fatalf("informer did not read %s event", typ)
	}
}

func (w *fakeWatch) sendStatus(t *testing.T, st *metav1.Status) {
	t.Helper()
	select {
	case w.events <- client.Event[*corev1.Pod]{Type: watch.Error, Status: st}:
	case <-time.After(waitLimit):
		t.Fatal("informer did not read ERROR event")
	}
}

// end closes the stream as the server would, with err as its reason.
func (w *fakeWatch) end(err error) {
	w.err = err
	close(w.events)
}

func pod(ns, name, rv string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, ResourceVersion: rv}}
}

// recorder turns handler calls into strings on a channel.
type recorder struct{ ch chan string }

func newRecorder() *recorder { return &recorder{ch: make(chan string, 1000)} }

func (r *recorder) handler() Handler[*corev1.Pod] {
	return Handler[*corev1.Pod]{
		OnAdd: func(p *corev1.Pod, initial bool) {
			r.ch <- fmt.Sprintf("add %s %s %v", KeyOf(p), p.ResourceVersion, initial)
		},
		OnUpdate: func(old, p *corev1.Pod) {
			r.ch <- fmt.Sprintf("update %s %s->%s", KeyOf(p), old.ResourceVersion, p.ResourceVersion)
		},
		OnDelete: func(p *corev1.Pod) {
			r.ch <- fmt.Sprintf("delete %s %s", KeyOf(p), p.ResourceVersion)
		},
	}
}

// expect reads len(want) notifications and compares them in order.
func (r *recorder) expect(t *testing.T, want ...string) {
	t.Helper()
	for i, w := range want {
		select {
		case got := <-r.ch:
			if got != w {
				t.Fatalf("notification %d = %q, want %q", i, got, w)
			}
		case <-time.After(waitLimit):
			t.Fatalf("notification %d: none, want %q", i, w)
		}
	}
}

// expectSet reads len(want) notifications in any order.
func (r *recorder) expectSet(t *testing.T, want ...string) {
	t.Helper()
	missing := map[string]int{}
	for _, w := range want {
		missing[w]++
	}
	for range want {
		select {
		case got := <-r.ch:
			if missing[got] == 0 {
				t.Fatalf("unexpected notification %q; still want %v", got, missing)
			}
			missing[got]--
		case <-time.After(waitLimit):
			t.Fatalf("missing notifications %v", missing)
		}
	}
}

// expectNone fails if a notification is pending.
func (r *recorder) expectNone(t *testing.T) {
	t.Helper()
	select {
	case got := <-r.ch:
		t.Fatalf("unexpected notification %q", got)
	default:
	}
}

// start runs inf until the test ends and waits for it to return.
func start(t *testing.T, inf *Informer[*corev1.Pod]) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		inf.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(waitLimit):
			t.Error("Run did not return after cancel")
		}
	})
}

func newClock() *testingclock.FakeClock { return testingclock.NewFakeClock(time.Unix(1000, 0)) }
