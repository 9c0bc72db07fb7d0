// Package metrics defines the scheduler's Prometheus metrics on a private
// registry (no global state) and serves them with /healthz.
package metrics

import (
	"net/http"
	"net/http/pprof"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Attempt results.
const (
	ResultScheduled     = "scheduled"
	ResultUnschedulable = "unschedulable"
	ResultError         = "error"
)

// Metrics is the scheduler's metric set.
type Metrics struct {
	Registry *prometheus.Registry
	// Attempts counts scheduling attempts by result.
	Attempts *prometheus.CounterVec
	// E2E is the time from a pod entering the queue to its bind.
	E2E prometheus.Histogram
	// Algorithm is the time Schedule takes for one pod.
	Algorithm prometheus.Histogram
	// Binding is the duration of the bind call.
	Binding prometheus.Histogram
}

// New registers the metrics; queueLens reports activeQ, backoffQ and
// unschedulable sizes for the pending-pods gauge.
func New(queueLens func() (active, backoff, unschedulable int)) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		Attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scheduler_schedule_attempts_total",
			Help: "Number of attempts to schedule pods, by the result.",
		}, []string{"result"}),
		E2E: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "scheduler_e2e_scheduling_duration_seconds",
			Help:    "Time from a pod entering the scheduling queue to its successful bind.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}),
		Algorithm: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "scheduler_scheduling_algorithm_duration_seconds",
			Help:    "Scheduling algorithm latency (filter and score) for one pod.",
			Buckets: prometheus.ExponentialBuckets(0.00001, 2, 16),
		}),
		Binding: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "scheduler_binding_duration_seconds",
			Help:    "Latency of the pods/binding call.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
	}
	reg.MustRegister(m.Attempts, m.E2E, m.Algorithm, m.Binding,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, q := range []string{"active", "backoff", "unschedulable"} {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "scheduler_pending_pods",
			Help:        "Number of pending pods, by the queue.",
			ConstLabels: prometheus.Labels{"queue": q},
		}, queueGauge(queueLens, q)))
	}
	return m
}

func queueGauge(lens func() (int, int, int), which string) func() float64 {
	return func() float64 {
		a, b, u := lens()
		switch which {
		case "active":
			return float64(a)
		case "backoff":
			return float64(b)
		}
		return float64(u)
	}
}

// Handler serves /metrics and /healthz, and /debug/pprof/ when profiling.
func (m *Metrics) Handler(profiling bool) http.Handler {
	mux := http.NewServeMux()
	if profiling {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	mux.Handle("/metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok"))
	})
	return mux
}
