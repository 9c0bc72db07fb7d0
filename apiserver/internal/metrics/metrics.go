// Package metrics holds the apiserver's Prometheus metrics. Each Metrics
// has its own registry, so several apiservers (as in tests) can run in
// one process.
//
// Exposed series (names as upstream kube-apiserver where one exists):
//
//	apiserver_request_total{verb,group,resource,subresource,code}     counter
//	apiserver_request_duration_seconds{verb,group,resource,subresource} histogram
//	apiserver_longrunning_requests{verb="WATCH",group,resource}      gauge (open watches)
//	go_* and process_*                                                 runtime collectors
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics records request and watch metrics. It is safe for concurrent use.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	durations *prometheus.HistogramVec
	watchers  *prometheus.GaugeVec
}

// requestBuckets are upstream's apiserver_request_duration_seconds buckets.
var requestBuckets = []float64{0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3,
	4, 5, 6, 8, 10, 15, 20, 30, 45, 60}

// New returns Metrics registered on a fresh registry that also carries
// the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiserver_request_total",
			Help: "Counter of apiserver requests broken out for each verb, group, resource, subresource and HTTP response code.",
		}, []string{"verb", "group", "resource", "subresource", "code"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "apiserver_request_duration_seconds",
			Help:    "Response latency distribution in seconds for each verb, group, resource and subresource.",
			Buckets: requestBuckets,
		}, []string{"verb", "group", "resource", "subresource"}),
		watchers: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "apiserver_longrunning_requests",
			Help: "Gauge of all active long-running apiserver requests (watches) broken out by verb, group and resource.",
		}, []string{"verb", "group", "resource"}),
	}
	m.reg.MustRegister(m.requests, m.durations, m.watchers,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveRequest records one finished request. Watches are observed when
// they end, with their whole duration, as upstream does.
func (m *Metrics) ObserveRequest(verb, group, resource, subresource string, code int, d time.Duration) {
	m.requests.WithLabelValues(verb, group, resource, subresource, strconv.Itoa(code)).Inc()
	m.durations.WithLabelValues(verb, group, resource, subresource).Observe(d.Seconds())
}

// WatchOpened counts a watch that started on group/resource.
func (m *Metrics) WatchOpened(group, resource string) {
	m.watchers.WithLabelValues("WATCH", group, resource).Inc()
}

// WatchClosed counts a watch on group/resource that ended.
func (m *Metrics) WatchClosed(group, resource string) {
	m.watchers.WithLabelValues("WATCH", group, resource).Dec()
}

// Registry returns the registry, for tests and for components that add
// their own collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text (or OpenMetrics)
// exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
