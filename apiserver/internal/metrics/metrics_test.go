package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHandlerExposesRequestsAndWatches(t *testing.T) {
	m := New()
	m.ObserveRequest("GET", "", "pods", "", 200, 3*time.Millisecond)
	m.ObserveRequest("GET", "", "pods", "", 200, time.Millisecond)
	m.ObserveRequest("POST", "apps", "deployments", "scale", 409, time.Millisecond)
	m.WatchOpened("", "pods")
	m.WatchOpened("", "pods")
	m.WatchClosed("", "pods")

	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	body := string(b)
	for _, want := range []string{
		`apiserver_request_total{code="200",group="",resource="pods",subresource="",verb="GET"} 2`,
		`apiserver_request_total{code="409",group="apps",resource="deployments",subresource="scale",verb="POST"} 1`,
		`apiserver_request_duration_seconds_count{group="",resource="pods",subresource="",verb="GET"} 2`,
		`apiserver_longrunning_requests{group="",resource="pods",verb="WATCH"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics output lacks %q", want)
		}
	}
}

func TestSeparateRegistries(t *testing.T) {
	a, b := New(), New()
	a.ObserveRequest("GET", "", "pods", "", 200, 0)
	mfs, err := b.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "apiserver_request_total" && len(mf.GetMetric()) > 0 {
			t.Fatalf("request recorded on a does not belong in b")
		}
	}
}
