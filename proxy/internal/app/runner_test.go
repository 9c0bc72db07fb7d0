package app

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestRunner(t *testing.T) {
	// Each sync reports whether it is full and returns what the test
	// hands it, so the test decides every sync's outcome in order.
	calls, results := make(chan bool), make(chan error)
	sync := func(ctx context.Context, full bool) error {
		select {
		case calls <- full:
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case err := <-results:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	next := func(ret error) (full bool) {
		t.Helper()
		select {
		case full = <-calls:
		case <-time.After(30 * time.Second):
			t.Fatal("no sync came within 30s")
		}
		results <- ret
		return full
	}
	r := newRunner(sync, time.Millisecond, time.Hour, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	if !next(nil) {
		t.Error("first sync must be full")
	}
	r.Poke()
	if next(errors.New("boom")) { // fails ...
		t.Error("poked sync must not be full")
	}
	next(nil)      // ... and is retried without another poke
	for range 50 { // a burst collapses: Poke never blocks
		r.Poke()
	}
	if next(nil) {
		t.Error("poked sync must not be full")
	}
	cancel()
	<-done
}

func TestRunnerPeriodic(t *testing.T) {
	calls := make(chan bool, 100)
	r := newRunner(func(_ context.Context, full bool) error { calls <- full; return nil },
		time.Millisecond, 5*time.Millisecond, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	if !<-calls {
		t.Error("first sync must be full")
	}
	for range 3 { // no pokes: periodic partial syncs
		if <-calls {
			t.Error("periodic sync must not be full")
		}
	}
	cancel()
	<-done
}

func TestHealthz(t *testing.T) {
	p := &proxier{}
	h := p.healthz(time.Minute)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("before the first sync: %d", rec.Code)
	}
	p.lastSuccess.Store(time.Now().UnixNano())
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("after a sync: %d %s", rec.Code, rec.Body)
	}
	p.lastSuccess.Store(time.Now().Add(-2 * time.Minute).UnixNano())
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("stale sync: %d", rec.Code)
	}
}

func TestOptions(t *testing.T) {
	for _, o := range []Options{{NodeName: "n", ClusterCIDR: "nonsense"}, {NodeName: "n", ClusterCIDR: "fd00::/64"},
		{NodeName: "n", IPTablesMode: "ebpf"}, {NodeName: "n", SyncPeriod: -1}, {}} {
		if err := o.complete(); err == nil {
			t.Errorf("%+v: want an error", o)
		}
	}
	o := Options{NodeName: "n", ClusterCIDR: "10.244.3.4/16"}
	if err := o.complete(); err != nil || o.ClusterCIDR != "10.244.0.0/16" || o.SyncPeriod != DefaultSyncPeriod {
		t.Errorf("complete: %+v %v", o, err)
	}
}
