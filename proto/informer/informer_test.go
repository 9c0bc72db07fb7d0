package informer

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	testingclock "k8s.io/utils/clock/testing"
)

// syncedInformer starts an informer over a list of a(1) and b(2) at
// resourceVersion 10 and returns it with its first watch.
func syncedInformer(t *testing.T, opts Options[*corev1.Pod]) (*Informer[*corev1.Pod], *fakeLW, *fakeWatch, *recorder) {
	t.Helper()
	lw := newFakeLW(staticList("10", pod("ns", "a", "1"), pod("ns", "b", "2")))
	inf := New[*corev1.Pod](lw, opts)
	rec := newRecorder()
	inf.AddHandler(rec.handler())
	start(t, inf)
	rec.expect(t, "add ns/a 1 true", "add ns/b 2 true")
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if !WaitForCacheSync(ctx, inf.HasSynced) {
		t.Fatal("informer did not sync")
	}
	w := lw.nextWatch(t, nil)
	return inf, lw, w, rec
}

func TestInitialSyncAndEvents(t *testing.T) {
	inf, lw, w, rec := syncedInformer(t, Options[*corev1.Pod]{})
	if w.opts.ResourceVersion != "10" || !w.opts.AllowWatchBookmarks {
		t.Fatalf("watch opts = rv %q bookmarks %v; want rv 10 with bookmarks", w.opts.ResourceVersion, w.opts.AllowWatchBookmarks)
	}
	if got := lw.listCalls(); len(got) != 1 || got[0].ResourceVersion != "" || got[0].Limit != 0 {
		t.Fatalf("list calls = %+v; want one unpaged consistent list", got)
	}

	w.send(t, watch.Added, pod("ns", "c", "11"))
	w.send(t, watch.Modified, pod("ns", "a", "12"))
	w.send(t, watch.Deleted, pod("ns", "b", "13"))
	w.send(t, watch.Modified, pod("ns", "new", "14")) // unknown key: an add
	w.send(t, watch.Added, pod("ns", "c", "15"))      // known key: an update
	rec.expect(t,
		"add ns/c 11 false",
		"update ns/a 1->12",
		"delete ns/b 13",
		"add ns/new 14 false",
		"update ns/c 11->15",
	)
	l := inf.Lister()
	if p, ok := l.Get("ns", "a"); !ok || p.ResourceVersion != "12" {
		t.Fatalf("Get(ns, a) = %v, %v; want rv 12", p, ok)
	}
	if _, ok := l.Get("ns", "b"); ok {
		t.Fatal("deleted pod b still cached")
	}
	if got := l.Len(); got != 3 {
		t.Fatalf("Len() = %d, want 3", got)
	}
	// The resourceVersion advances right after the handlers ran for the
	// event, on the informer's goroutine: wait for it.
	deadline := time.Now().Add(5 * time.Second)
	for inf.LastSyncResourceVersion() != "15" {
		if time.Now().After(deadline) {
			t.Fatalf("LastSyncResourceVersion() = %q, want 15", inf.LastSyncResourceVersion())
		}
		time.Sleep(time.Millisecond)
	}
}

func TestHandlerSeesUpdatedCache(t *testing.T) {
	lw := newFakeLW(staticList("1"))
	inf := New[*corev1.Pod](lw, Options[*corev1.Pod]{})
	seen := make(chan bool, 1)
	inf.AddHandler(Handler[*corev1.Pod]{OnAdd: func(p *corev1.Pod, _ bool) {
		_, ok := inf.Lister().Get(p.Namespace, p.Name)
		seen <- ok
	}})
	start(t, inf)
	lw.nextWatch(t, nil).send(t, watch.Added, pod("ns", "x", "2"))
	select {
	case ok := <-seen:
		if !ok {
			t.Fatal("OnAdd ran before the cache held the object")
		}
	case <-time.After(waitLimit):
		t.Fatal("OnAdd not called")
	}
}

func TestResumeFromLastResourceVersionAfterWatchEnds(t *testing.T) {
	fc := newClock()
	_, lw, w, rec := syncedInformer(t, Options[*corev1.Pod]{Clock: fc})
	w.send(t, watch.Modified, pod("ns", "a", "20"))
	rec.expect(t, "update ns/a 1->20")
	w.end(nil)

	w2 := lw.nextWatch(t, fc)
	if w2.opts.ResourceVersion != "20" {
		t.Fatalf("second watch rv = %q, want 20", w2.opts.ResourceVersion)
	}
	w2.send(t, watch.Added, pod("ns", "c", "21"))
	rec.expect(t, "add ns/c 21 false")
	w2.end(errors.New("connection reset"))

	w3 := lw.nextWatch(t, fc)
	if w3.opts.ResourceVersion != "21" {
		t.Fatalf("third watch rv = %q, want 21", w3.opts.ResourceVersion)
	}
	if n := len(lw.listCalls()); n != 1 {
		t.Fatalf("%d list calls, want 1 (resume must not relist)", n)
	}
	rec.expectNone(t)
}

func TestRewatchAfterWatchCallFails(t *testing.T) {
	fc := newClock()
	_, lw, w, _ := syncedInformer(t, Options[*corev1.Pod]{Clock: fc})
	lw.failNextWatch(apierrors.NewServiceUnavailable("etcd down"))
	lw.failNextWatch(errors.New("dial tcp: refused"))
	w.end(nil)
	w2 := lw.nextWatch(t, fc)
	if w2.opts.ResourceVersion != "10" {
		t.Fatalf("watch rv = %q, want 10", w2.opts.ResourceVersion)
	}
	if n := len(lw.listCalls()); n != 1 {
		t.Fatalf("%d list calls, want 1", n)
	}
}

func TestBookmarkAdvancesResourceVersion(t *testing.T) {
	fc := newClock()
	inf, lw, w, rec := syncedInformer(t, Options[*corev1.Pod]{Clock: fc})
	w.send(t, watch.Bookmark, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{ResourceVersion: "99"}})
	w.send(t, watch.Added, pod("ns", "c", "100"))
	rec.expect(t, "add ns/c 100 false") // the bookmark notified nobody
	w.send(t, watch.Bookmark, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{ResourceVersion: "150"}})
	w.end(nil)
	w2 := lw.nextWatch(t, fc)
	if w2.opts.ResourceVersion != "150" {
		t.Fatalf("watch after bookmark rv = %q, want 150", w2.opts.ResourceVersion)
	}
	if _, ok := inf.Lister().Get("", ""); ok || inf.Lister().Len() != 3 {
		t.Fatal("bookmark object entered the cache")
	}
	rec.expectNone(t)
}

// relistScenario checks a relist from {a 1, b 2} (plus c 3 seen on the
// watch) to {a 5, c 3, d 6}: b deleted with its last state, a updated, c
// untouched, d added, and the next watch starting at the new list's rv.
func relistScenario(t *testing.T, trigger func(w *fakeWatch, lw *fakeLW, fc *testingclock.FakeClock)) {
	t.Helper()
	fc := newClock()
	inf, lw, w, rec := syncedInformer(t, Options[*corev1.Pod]{Clock: fc})
	w.send(t, watch.Added, pod("ns", "c", "3"))
	rec.expect(t, "add ns/c 3 false")
	lw.setList(staticList("50", pod("ns", "a", "5"), pod("ns", "c", "3"), pod("ns", "d", "6")))
	trigger(w, lw, fc)
	rec.expect(t, "delete ns/b 2", "update ns/a 1->5", "add ns/d 6 false")
	w2 := lw.nextWatch(t, nil) // no clock step: a relist does not back off
	if w2.opts.ResourceVersion != "50" {
		t.Fatalf("watch after relist rv = %q, want 50", w2.opts.ResourceVersion)
	}
	if n := len(lw.listCalls()); n != 2 {
		t.Fatalf("%d list calls, want 2", n)
	}
	if got := inf.Lister().Len(); got != 3 {
		t.Fatalf("Len() = %d after relist, want 3", got)
	}
	rec.expectNone(t)
}

func TestRelistOnGoneErrorEvent(t *testing.T) {
	relistScenario(t, func(w *fakeWatch, _ *fakeLW, _ *testingclock.FakeClock) {
		w.sendStatus(t, &metav1.Status{Status: metav1.StatusFailure, Code: http.StatusGone, Reason: metav1.StatusReasonExpired, Message: "too old resource version"})
	})
}

func TestRelistOnExpiredReasonOnly(t *testing.T) {
	relistScenario(t, func(w *fakeWatch, _ *fakeLW, _ *testingclock.FakeClock) {
		w.sendStatus(t, &metav1.Status{Status: metav1.StatusFailure, Reason: metav1.StatusReasonExpired})
	})
}

func TestRelistWhenWatchCallReturnsGone(t *testing.T) {
	relistScenario(t, func(w *fakeWatch, lw *fakeLW, fc *testingclock.FakeClock) {
		lw.failNextWatch(apierrors.NewResourceExpired("too old"))
		w.end(nil)
		waitHasWaiters(t, fc) // the clean end backs off before re-watching
		fc.Step(backoffMax)
	})
}

func TestRelistWhenStreamEndsWithGone(t *testing.T) {
	relistScenario(t, func(w *fakeWatch, _ *fakeLW, _ *testingclock.FakeClock) {
		w.end(apierrors.NewGone("compacted"))
	})
}

func TestOtherErrorEventRewatchesWithoutRelist(t *testing.T) {
	fc := newClock()
	_, lw, w, _ := syncedInformer(t, Options[*corev1.Pod]{Clock: fc})
	w.sendStatus(t, &metav1.Status{Status: metav1.StatusFailure, Code: 500, Reason: metav1.StatusReasonInternalError})
	w2 := lw.nextWatch(t, fc)
	if w2.opts.ResourceVersion != "10" || len(lw.listCalls()) != 1 {
		t.Fatalf("after a 500 ERROR event: watch rv %q, %d lists; want rv 10, 1 list", w2.opts.ResourceVersion, len(lw.listCalls()))
	}
	w2.sendStatus(t, nil) // an ERROR event without status must not panic
	lw.nextWatch(t, fc)
}

func TestResync(t *testing.T) {
	fc := newClock()
	_, _, w, rec := syncedInformer(t, Options[*corev1.Pod]{Clock: fc, ResyncPeriod: time.Minute})
	waitHasWaiters(t, fc)
	fc.Step(59 * time.Second)
	w.send(t, watch.Added, pod("ns", "c", "11"))
	rec.expect(t, "add ns/c 11 false") // no resync before the period
	fc.Step(time.Second)
	rec.expectSet(t, "update ns/a 1->1", "update ns/b 2->2", "update ns/c 11->11")
	waitHasWaiters(t, fc)
	fc.Step(time.Minute)
	rec.expectSet(t, "update ns/a 1->1", "update ns/b 2->2", "update ns/c 11->11")
}

func TestNoResyncByDefault(t *testing.T) {
	fc := newClock()
	_, _, w, rec := syncedInformer(t, Options[*corev1.Pod]{Clock: fc})
	if fc.HasWaiters() {
		t.Fatal("a timer is armed without ResyncPeriod")
	}
	w.send(t, watch.Added, pod("ns", "c", "11"))
	rec.expect(t, "add ns/c 11 false")
}

func TestListErrorIsRetried(t *testing.T) {
	fc := newClock()
	calls := 0
	lw := newFakeLW(func(metav1.ListOptions) (*podList, error) {
		calls++
		if calls == 1 {
			return nil, apierrors.NewInternalError(errors.New("boom"))
		}
		return &podList{Items: []*corev1.Pod{pod("ns", "a", "1")}, ResourceVersion: "5"}, nil
	})
	inf := New[*corev1.Pod](lw, Options[*corev1.Pod]{Clock: fc})
	rec := newRecorder()
	inf.AddHandler(rec.handler())
	start(t, inf)
	w := lw.nextWatch(t, fc)
	rec.expect(t, "add ns/a 1 true")
	if !inf.HasSynced() || w.opts.ResourceVersion != "5" {
		t.Fatalf("synced=%v watch rv=%q; want synced from rv 5", inf.HasSynced(), w.opts.ResourceVersion)
	}
}

func TestAddHandlerAfterSyncReplaysCache(t *testing.T) {
	inf, _, w, _ := syncedInformer(t, Options[*corev1.Pod]{})
	late := newRecorder()
	inf.AddHandler(late.handler())
	late.expectSet(t, "add ns/a 1 true", "add ns/b 2 true")
	w.send(t, watch.Deleted, pod("ns", "a", "3"))
	late.expect(t, "delete ns/a 3")
}

func TestNilObjectsDoNotPanic(t *testing.T) {
	lw := newFakeLW(staticList("1", nil, pod("ns", "a", "1")))
	inf := New[*corev1.Pod](lw, Options[*corev1.Pod]{})
	rec := newRecorder()
	inf.AddHandler(rec.handler())
	start(t, inf)
	rec.expect(t, "add ns/a 1 true")
	w := lw.nextWatch(t, nil)
	w.send(t, watch.Added, nil)
	w.send(t, watch.Bookmark, nil)
	w.send(t, watch.Added, pod("ns", "b", "2"))
	rec.expect(t, "add ns/b 2 false")
}

func TestRunStopsWatchOnCancel(t *testing.T) {
	lw := newFakeLW(staticList("1"))
	inf := New[*corev1.Pod](lw, Options[*corev1.Pod]{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { inf.Run(ctx); close(done) }()
	w := lw.nextWatch(t, nil)
	cancel()
	select {
	case <-done:
	case <-time.After(waitLimit):
		t.Fatal("Run did not return")
	}
	select {
	case <-w.stopped:
	default:
		t.Fatal("watch not stopped")
	}
	inf.Run(context.Background()) // a second Run returns at once
}

func TestWaitForCacheSyncGivesUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if WaitForCacheSync(ctx, func() bool { return true }, func() bool { return false }) {
		t.Fatal("WaitForCacheSync = true with an unsynced informer")
	}
	if !WaitForCacheSync(ctx) {
		t.Fatal("WaitForCacheSync() with nothing to wait for = false")
	}
}

func waitHasWaiters(t *testing.T, fc interface{ HasWaiters() bool }) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !fc.HasWaiters() {
		if time.Now().After(deadline) {
			t.Fatal("no timer armed")
		}
		time.Sleep(time.Millisecond)
	}
}
