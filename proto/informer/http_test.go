package informer

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

// scriptedServer speaks the list/watch wire protocol for /api/v1/pods:
// lists return the current list, and each watch plays the next script.
type scriptedServer struct {
	t       *testing.T
	mu      sync.Mutex
	list    corev1.PodList
	scripts [][]map[string]any // watch event frames, per watch call
	watches chan string        // resourceVersion of each watch
	n       int                // watch calls so far
	// onWatch[i] runs when watch call i (from 0) arrives, before its script.
	onWatch map[int]func()
}

func (s *scriptedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v1/pods" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	if q.Get("watch") == "" {
		s.mu.Lock()
		body, _ := json.Marshal(s.list)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
		return
	}
	if q.Get("allowWatchBookmarks") != "true" {
		s.t.Errorf("watch without allowWatchBookmarks: %s", r.URL.RawQuery)
	}
	s.mu.Lock()
	var script []map[string]any
	if len(s.scripts) > 0 {
		script, s.scripts = s.scripts[0], s.scripts[1:]
	}
	hook := s.onWatch[s.n]
	s.n++
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	s.watches <- q.Get("resourceVersion")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	for _, f := range script {
		_ = enc.Encode(f)
		w.(http.Flusher).Flush()
	}
	if script == nil { // last watch: hold the stream open
		<-r.Context().Done()
	}
}

func (s *scriptedServer) setList(rv string, pods ...*corev1.Pod) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = corev1.PodList{TypeMeta: metav1.TypeMeta{Kind: "PodList", APIVersion: "v1"}, ListMeta: metav1.ListMeta{ResourceVersion: rv}}
	for _, p := range pods {
		s.list.Items = append(s.list.Items, *p)
	}
}

func frame(typ string, obj any) map[string]any { return map[string]any{"type": typ, "object": obj} }

func (s *scriptedServer) nextWatch(t *testing.T) string {
	t.Helper()
	select {
	case rv := <-s.watches:
		return rv
	case <-t.Context().Done():
	case <-ctxTimeout(t).Done():
	}
	t.Fatal("no watch request")
	return ""
}

func ctxTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	return ctx
}

// TestOverHTTP runs an informer through the real client against a
// scripted HTTP server: initial list, a watch that ends after a bookmark,
// a resumed watch that gets 410 Gone, and the relist.
func TestOverHTTP(t *testing.T) {
	srv := &scriptedServer{t: t, watches: make(chan string, 8)}
	srv.setList("10", pod("ns", "a", "1"))
	srv.scripts = [][]map[string]any{
		{frame("ADDED", pod("ns", "b", "11")), frame("BOOKMARK", pod("", "", "15"))},
		{frame("ERROR", metav1.Status{Status: metav1.StatusFailure, Code: 410, Reason: metav1.StatusReasonExpired, Message: "too old"})},
	}
	srv.onWatch = map[int]func(){1: func() { srv.setList("20", pod("ns", "b", "11"), pod("ns", "c", "20")) }}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close) // after the informer's cleanup has stopped it
	c, err := client.New(&client.Config{Host: hs.URL})
	if err != nil {
		t.Fatal(err)
	}
	inf := New(FromResource(client.Pods(c, "")), Options[*corev1.Pod]{})
	rec := newRecorder()
	inf.AddHandler(rec.handler())
	start(t, inf)

	rec.expect(t, "add ns/a 1 true")
	if rv := srv.nextWatch(t); rv != "10" {
		t.Fatalf("first watch rv = %q, want 10", rv)
	}
	rec.expect(t, "add ns/b 11 false")
	if rv := srv.nextWatch(t); rv != "15" {
		t.Fatalf("resumed watch rv = %q, want 15 (the bookmark)", rv)
	}
	rec.expect(t, "delete ns/a 1", "add ns/c 20 false")
	if rv := srv.nextWatch(t); rv != "20" {
		t.Fatalf("watch after relist rv = %q, want 20", rv)
	}
	rec.expectNone(t)
}
