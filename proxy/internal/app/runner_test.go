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
	type call struct{ full bool }
	calls := make(chan call, 100)
	fail := make(chan bool, 100)
	sync := func(_ context.Context, full bool) error {
		calls <- call{full}
		select {
		case <-fail:
			return errors.New("boom")
		default:
			return nil
		}
	}
	r := newRunner(sync, time.Millisecond, time.Hour, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	if c := <-calls; !c.full {
		t.Error("first sync must be full")
	}
	for range 50 { // a burst collapses: Poke never blocks
		r.Poke()
	}
	if c := <-calls; c.full {
		t.Error("poked sync must not be full")
	}
	fail <- true
	r.Poke()
	<-calls // fails ...
	<-calls // ... and is retried without a poke
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
