package server

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// fakeRecorder records what the server reports.
type fakeRecorder struct {
	mu     sync.Mutex
	seen   []string
	opened int
	closed int
}

func (f *fakeRecorder) ObserveRequest(verb, group, resource, sub string, code int, _ time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = append(f.seen, fmt.Sprintf("%s %s/%s/%s %d", verb, group, resource, sub, code))
}

func (f *fakeRecorder) WatchOpened(string, string) { f.mu.Lock(); f.opened++; f.mu.Unlock() }
func (f *fakeRecorder) WatchClosed(string, string) { f.mu.Lock(); f.closed++; f.mu.Unlock() }

func TestMetricsVerbs(t *testing.T) {
	e := newEnv(t, nil)
	rec := &fakeRecorder{}
	e.srv.cfg.Metrics = rec
	e.must(201, "POST", pods, podJSON("m", ""))
	e.must(200, "GET", pods+"/m", "")
	e.must(200, "GET", pods, "")
	e.must(200, "PUT", pods+"/m", podJSON("m", ""))
	e.must(200, "PATCH", pods+"/m/status", `{}`)
	e.must(200, "DELETE", pods+"/m", "")
	e.must(200, "DELETE", "/apis/apps/v1/namespaces/default/deployments", "")
	e.must(404, "GET", "/api/v1/widgets", "")
	want := []string{"create /pods/ 201", "get /pods/ 200", "list /pods/ 200", "update /pods/ 200", "patch /pods/status 200",
		"delete /pods/ 200", "deletecollection apps/deployments/ 200", "list // 404"}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if fmt.Sprint(rec.seen) != fmt.Sprint(want) {
		t.Fatalf("got %q\nwant %q", rec.seen, want)
	}
}
