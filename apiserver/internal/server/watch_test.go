package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// stream is an open watch response read line by line.
type stream struct {
	t     testing.TB
	lines chan string
	close func()
}

func (e *env) watch(path string, hdr ...string) *stream {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		e.t.Fatalf("watch %s: %d", path, resp.StatusCode)
	}
	s := &stream{t: e.t, lines: make(chan string, 100), close: func() { cancel(); resp.Body.Close() }}
	e.t.Cleanup(s.close)
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
	}()
	return s
}

// next returns the next event's type and object; the deadline only guards
// against a hung test.
func (s *stream) next() (string, map[string]any) {
	s.t.Helper()
	select {
	case l, ok := <-s.lines:
		if !ok {
			s.t.Fatal("watch ended")
		}
		m := decodeMap(s.t, l)
		obj, _ := m["object"].(map[string]any)
		return m["type"].(string), obj
	case <-time.After(30 * time.Second):
		s.t.Fatal("no watch event")
	}
	return "", nil
}

func (s *stream) expect(typ, name string) map[string]any {
	s.t.Helper()
	gotType, obj := s.next()
	if gotType != typ || (name != "" && meta(obj)["name"] != name) {
		s.t.Fatalf("got %s %v, want %s %s", gotType, meta(obj)["name"], typ, name)
	}
	return obj
}

func TestWatch(t *testing.T) {
	e := newCachedEnv(t, 1000)
	a := decodeMap(t, e.must(201, "POST", pods, podJSON("a", "")))
	w := e.watch(pods + "?watch=1&resourceVersion=0")
	e.must(201, "POST", pods, podJSON("b", ""))
	w.expect("ADDED", "a")
	w.expect("ADDED", "b")
	e.must(200, "PATCH", pods+"/a", `{"metadata":{"labels":{"x":"1"}}}`)
	w.expect("MODIFIED", "a")
	e.must(200, "DELETE", pods+"/b", "")
	w.expect("DELETED", "b")

	// Resume from a's creation: everything after it, nothing before.
	rw := e.watch(pods + "?watch=true&resourceVersion=" + meta(a)["resourceVersion"].(string))
	rw.expect("ADDED", "b")
	rw.expect("MODIFIED", "a")
	rw.expect("DELETED", "b")

	// Single object by field selector, and the legacy /watch/ path.
	one := e.watch(pods + "?watch=1&fieldSelector=metadata.name%3Dc")
	legacy := e.watch("/api/v1/watch/namespaces/default/pods/c")
	e.must(201, "POST", pods, podJSON("other", ""))
	e.must(201, "POST", pods, podJSON("c", ""))
	one.expect("ADDED", "c")
	legacy.expect("ADDED", "c")

	// A list served from the cache right after a write includes it.
	e.must(201, "POST", pods, podJSON("fresh", ""))
	if body := e.must(200, "GET", pods, ""); !strings.Contains(body, `"name":"fresh"`) {
		t.Fatalf("cache list misses a fresh write: %s", body)
	}
}

func TestWatchInitialEventsBookmarksTable(t *testing.T) {
	e := newCachedEnv(t, 1000)
	e.must(201, "POST", pods, podJSON("a", ""))
	w := e.watch(pods + "?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan")
	w.expect("ADDED", "a")
	bm := w.expect("BOOKMARK", "")
	if meta(bm)["annotations"].(map[string]any)["k8s.io/initial-events-end"] != "true" || meta(bm)["resourceVersion"] == "" {
		t.Fatalf("initial-events-end bookmark: %v", bm)
	}
	tw := e.watch(pods+"?watch=1", "Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
	_, tbl := tw.next()
	if tbl["kind"] != "Table" || len(tbl["rows"].([]any)) != 1 {
		t.Fatalf("table watch: %v", tbl)
	}
	tmo := e.watch(pods + "?watch=1&timeoutSeconds=1")
	tmo.expect("ADDED", "a")
	for range tmo.lines { // the server ends the stream
	}
}

func TestWatchTooOld(t *testing.T) {
	e := newCachedEnv(t, 3)
	for i := 0; i < 8; i++ {
		e.must(201, "POST", pods, podJSON(fmt.Sprintf("p%d", i), ""))
	}
	// Wait until the cache has seen all writes.
	e.must(200, "GET", pods, "")
	w := e.watch(pods + "?watch=1&resourceVersion=2")
	typ, st := w.next()
	if typ != "ERROR" || st["code"] != float64(410) || st["reason"] != "Expired" ||
		!strings.HasPrefix(st["message"].(string), "too old resource version: 2 (") {
		t.Fatalf("got %s %v", typ, st)
	}
}

func TestWatchPeriodicBookmarkAndTooLarge(t *testing.T) {
	e := newCachedEnv(t, 100, func(c *Config) { c.BookmarkInterval = 50 * time.Millisecond })
	a := decodeMap(t, e.must(201, "POST", pods, podJSON("a", "")))
	rv := meta(a)["resourceVersion"].(string)
	w := e.watch(pods + "?watch=1&allowWatchBookmarks=true&resourceVersion=" + rv)
	bm := w.expect("BOOKMARK", "")
	if meta(bm)["resourceVersion"] != rv || bm["kind"] != "Pod" {
		t.Fatalf("bookmark: %v", bm)
	}
	code, body, _ := e.do("GET", pods+"?watch=1&resourceVersion=999999999", "", "")
	if code != 504 || !strings.Contains(body, "Too large resource version") {
		t.Fatalf("too large: %d %s", code, body)
	}
	e.must(400, "GET", pods+"?watch=1&timeoutSeconds=x", "")
}

func TestStatusUpdate(t *testing.T) {
	e := newEnv(t, nil)
	p := decodeMap(t, e.must(201, "POST", pods, podJSON("s", "")))
	p["status"] = map[string]any{"phase": "Running"}
	meta(p)["labels"] = map[string]any{"ignored": "no"}
	raw, _ := json.Marshal(p)
	got := decodeMap(t, e.must(200, "PUT", pods+"/s/status", string(raw)))
	if got["status"].(map[string]any)["phase"] != "Running" {
		t.Fatalf("status update: %v", got["status"])
	}
	e.must(200, "GET", pods+"/s/status", "")
	e.must(405, "POST", pods+"/s/status", string(raw))
}
