package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// healthz answers 200 while the last successful sync is at most maxAge
// old, 503 before the first one and after that; the body is upstream's
// {"lastUpdated", "currentTime"} plus the resourceVersion synced.
func (p *proxier) healthz(maxAge time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		last := time.Unix(0, p.lastSuccess.Load())
		code := http.StatusOK
		if p.lastSuccess.Load() == 0 || now.Sub(last) > maxAge {
			code = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"lastUpdated": last.UTC().Format(time.RFC3339Nano), "currentTime": now.UTC().Format(time.RFC3339Nano),
			"syncedResourceVersion": p.syncedRV.Load(), "rules": p.lastRules.Load(),
		})
	})
}

// serve runs h on addr until ctx ends. The returned wait blocks until the
// server has shut down and released addr, so a restarted proxy can bind it.
func serve(ctx context.Context, log *slog.Logger, addr string, h http.Handler) (wait func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.InfoContext(ctx, "serving", "addr", ln.Addr().String())
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.ErrorContext(ctx, "http server", "addr", addr, "err", err)
		}
	}()
	return func() { <-done }, nil
}

// mux returns the healthz and metrics handlers; profiling adds
// /debug/pprof/ to the metrics one (as upstream's --profiling).
func (p *proxier) mux(maxAge time.Duration, profiling bool) (health, metrics http.Handler) {
	hm := http.NewServeMux()
	hm.Handle("/healthz", p.healthz(maxAge))
	hm.Handle("/livez", p.healthz(maxAge))
	mm := http.NewServeMux()
	mm.Handle("/metrics", promhttp.HandlerFor(p.metrics.reg, promhttp.HandlerOpts{}))
	mm.Handle("/healthz", p.healthz(maxAge))
	if profiling {
		mm.HandleFunc("/debug/pprof/", pprof.Index)
		mm.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mm.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mm.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return hm, mm
}
