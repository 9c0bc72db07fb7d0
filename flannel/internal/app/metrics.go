package app

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wharfhq/wharf/flannel/internal/vxlan"
)

// metrics are the agent's Prometheus collectors, in a registry of their own.
type metrics struct {
	reg      *prometheus.Registry
	peers    prometheus.Gauge
	skipped  prometheus.Gauge
	syncs    *prometheus.CounterVec
	duration prometheus.Histogram
	changes  *prometheus.CounterVec
	// healthy is written by the sync loop and read by /healthz.
	healthy atomic.Bool
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		peers: prometheus.NewGauge(prometheus.GaugeOpts{Name: "wharf_flannel_peers",
			Help: "Peers programmed on flannel.1."}),
		skipped: prometheus.NewGauge(prometheus.GaugeOpts{Name: "wharf_flannel_skipped_nodes",
			Help: "Nodes left out of the overlay (no subnet or VTEP yet, conflicts)."}),
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wharf_flannel_syncs_total",
			Help: "Syncs by result."}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "wharf_flannel_sync_duration_seconds",
			Help: "Time of one full sync.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wharf_flannel_kernel_changes_total",
			Help: "Routes, neighbours and FDB entries added or deleted."}, []string{"kind", "op"}),
	}
	m.reg.MustRegister(m.peers, m.skipped, m.syncs, m.duration, m.changes,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(c vxlan.Changes, took time.Duration, err error) {
	m.duration.Observe(took.Seconds())
	for _, x := range []struct {
		kind, op string
		n        int
	}{{"route", "add", c.RoutesAdded}, {"route", "delete", c.RoutesDeleted},
		{"neighbor", "add", c.NeighborsAdded}, {"neighbor", "delete", c.NeighborsDeleted},
		{"fdb", "add", c.FDBAdded}, {"fdb", "delete", c.FDBDeleted}} {
		if x.n > 0 {
			m.changes.WithLabelValues(x.kind, x.op).Add(float64(x.n))
		}
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.syncs.WithLabelValues(result).Inc()
	m.healthy.Store(err == nil)
}

// serve runs the /healthz and /metrics server on ln until ctx ends.
func (m *metrics) serve(ctx context.Context, ln net.Listener, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if !m.healthy.Load() {
			http.Error(w, "not synced", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok"))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("http server stopped", "err", err)
	}
}
