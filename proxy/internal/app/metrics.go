package app

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics uses upstream kube-proxy's metric names.
type metrics struct {
	reg      *prometheus.Registry
	duration prometheus.Histogram
	rules    *prometheus.GaugeVec
	failures prometheus.Counter
	full     prometheus.Counter
	last     prometheus.Gauge
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kubeproxy_sync_proxy_rules_duration_seconds", Help: "SyncProxyRules latency in seconds",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
		}),
		rules: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kubeproxy_sync_proxy_rules_iptables_total", Help: "Total number of iptables rules owned by kube-proxy",
		}, []string{"table"}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kubeproxy_sync_proxy_rules_iptables_restore_failures_total", Help: "Cumulative proxy iptables restore failures",
		}),
		full: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kubeproxy_sync_full_proxy_rules_total", Help: "Number of full syncs",
		}),
		last: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kubeproxy_sync_proxy_rules_last_timestamp_seconds", Help: "The last time proxy rules were successfully synced",
		}),
	}
	m.reg.MustRegister(m.duration, m.rules, m.failures, m.full, m.last)
	return m
}

// observe records a sync that took d: a failure if err is not nil, else
// whether it was full, its time and the rules per table.
func (m *metrics) observe(tables map[string]int, full bool, d time.Duration, err error) {
	m.duration.Observe(d.Seconds())
	if err != nil {
		m.failures.Inc()
		return
	}
	if full {
		m.full.Inc()
	}
	m.last.SetToCurrentTime()
	for table, n := range tables {
		m.rules.WithLabelValues(table).Set(float64(n))
	}
}
