package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/wharfhq/wharf/proto/api"
)

func podFrame(typ, name, rv string) string {
	return fmt.Sprintf(`{"type":%q,"object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":%q,"namespace":"ns","resourceVersion":%q}}}`+"\n", typ, name, rv)
}

// streamFrames writes each frame flushed, then optionally blocks until the
// client goes away.
func streamFrames(block bool, frames ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		for _, f := range frames {
			io.WriteString(w, f)
			w.(http.Flusher).Flush()
		}
		if block {
			<-r.Context().Done()
		}
	}
}

func drain[T api.Object](w *Watch[T]) []Event[T] {
	var evs []Event[T]
	for ev := range w.Events() {
		evs = append(evs, ev)
	}
	return evs
}

func TestWatchDecodesAllEventTypes(t *testing.T) {
	gone := `{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410,"message":"too old"}}`
	rec := newRecorder(t, streamFrames(false,
		podFrame("ADDED", "a", "1"), podFrame("MODIFIED", "a", "2"),
		`{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"3"}}}`,
		podFrame("DELETED", "a", "4"), gone))
	c, _ := newTestClient(t, Config{Host: rec.srv.URL})
	w, err := Pods(c, "ns").Watch(context.Background(), metav1.ListOptions{ResourceVersion: "1", AllowWatchBookmarks: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	evs := drain(w)
	if err := w.Err(); err != nil {
		t.Errorf("Err after clean EOF = %v", err)
	}
	got := rec.last()
	if got.Path != "/api/v1/namespaces/ns/pods" || got.RawQuery != "allowWatchBookmarks=true&resourceVersion=1&watch=true" {
		t.Errorf("request = %s?%s", got.Path, got.RawQuery)
	}
	want := []watch.EventType{watch.Added, watch.Modified, watch.Bookmark, watch.Deleted, watch.Error}
	if len(evs) != len(want) {
		t.Fatalf("got %d events, want %d", len(evs), len(want))
	}
	for i, ev := range evs {
		if ev.Type != want[i] {
			t.Errorf("event %d type = %s, want %s", i, ev.Type, want[i])
		}
	}
	if evs[1].Object.ResourceVersion != "2" || evs[2].Object.ResourceVersion != "3" {
		t.Errorf("resource versions = %s %s", evs[1].Object.ResourceVersion, evs[2].Object.ResourceVersion)
	}
	last := evs[4]
	if last.Object != nil || last.Status == nil || last.Status.Code != 410 ||
		!apierrors.IsResourceExpired(&apierrors.StatusError{ErrStatus: *last.Status}) {
		t.Errorf("ERROR event = %+v", last)
	}
}

func TestWatchMidStreamGarbageClosesWithError(t *testing.T) {
	for name, bad := range map[string]string{
		"not json":     "{not json",
		"unknown type": `{"type":"WHATEVER","object":{}}`,
		"bad object":   `{"type":"ADDED","object":{"metadata":"oops"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			rec := newRecorder(t, streamFrames(true, podFrame("ADDED", "a", "1"), bad))
			c, _ := newTestClient(t, Config{Host: rec.srv.URL})
			w, err := Pods(c, "").Watch(context.Background(), metav1.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Stop()
			evs := drain(w)
			if len(evs) != 1 || evs[0].Object.Name != "a" {
				t.Errorf("events = %+v", evs)
			}
			if w.Err() == nil {
				t.Error("Err = nil after a bad frame")
			}
		})
	}
}

func TestWatchStopEndsServerStream(t *testing.T) {
	serverDone := make(chan struct{})
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		defer close(serverDone)
		streamFrames(true, podFrame("ADDED", "a", "1"), podFrame("ADDED", "b", "2"))(w, r)
	})
	c, _ := newTestClient(t, Config{Host: rec.srv.URL})
	w, err := Pods(c, "").Watch(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ev := <-w.Events(); ev.Object.Name != "a" {
		t.Fatalf("first event = %+v", ev)
	}
	// The second event is never read: Stop must not deadlock on it.
	w.Stop()
	w.Stop()
	for range w.Events() {
	}
	if err := w.Err(); err != nil {
		t.Errorf("Err after Stop = %v", err)
	}
	<-serverDone
}

func TestWatchContextCancel(t *testing.T) {
	rec := newRecorder(t, streamFrames(true))
	c, _ := newTestClient(t, Config{Host: rec.srv.URL})
	ctx, cancel := context.WithCancel(context.Background())
	w, err := Pods(c, "").Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	drain(w)
	if w.Err() == nil {
		t.Error("Err = nil after context cancel")
	}
	w.Stop()
}

func TestWatchInitialErrorIsStatus(t *testing.T) {
	rec := newRecorder(t, respond(410, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410}`))
	c, _ := newTestClient(t, Config{Host: rec.srv.URL})
	_, err := Pods(c, "").Watch(context.Background(), metav1.ListOptions{ResourceVersion: "1"})
	if !apierrors.IsResourceExpired(err) {
		t.Fatalf("err = %v, want Expired", err)
	}
}

func TestWatchUnstructured(t *testing.T) {
	rec := newRecorder(t, streamFrames(false, podFrame("ADDED", "a", "1")))
	c, _ := newTestClient(t, Config{Host: rec.srv.URL})
	info, _ := api.Lookup("", "v1", "pods")
	w, err := NewResource[*unstructured.Unstructured](c, info).Watch(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	evs := drain(w)
	if len(evs) != 1 || evs[0].Object.GetName() != "a" || evs[0].Object.GetKind() != "Pod" {
		t.Errorf("events = %+v", evs)
	}
}
