package app

import (
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Options configures a scheduler process.
type Options struct {
	// Kubeconfig is the kubeconfig path ("" = $KUBECONFIG or the default);
	// Context the context in it ("" = current).
	Kubeconfig, Context string
	// SchedulerName selects the pods this scheduler handles.
	SchedulerName string
	// BindAddress serves /healthz and /metrics over plain HTTP; "" disables.
	BindAddress string
	// Profiling adds /debug/pprof/ to the BindAddress server.
	Profiling bool
	// LeaderElect runs the scheduler only while holding the Lease
	// LeaseNamespace/LeaseName.
	LeaderElect                  bool
	LeaseName, LeaseNamespace    string
	LeaseDuration, RenewDeadline time.Duration
	RetryPeriod                  time.Duration
	// Identity is this replica's holder identity (default hostname_random).
	Identity string
	// PercentageOfNodesToScore: 0 = upstream's adaptive default.
	PercentageOfNodesToScore int
	// BindWorkers bounds concurrent bind calls.
	BindWorkers int
	// QPS and Burst for the API client.
	QPS   float32
	Burst int
	// AssumedTTL expires assumed pods whose bind never shows up.
	AssumedTTL time.Duration
	Logger     *slog.Logger
	// OnListen, if set, is called with the actual metrics address (tests
	// pass 127.0.0.1:0).
	OnListen func(addr string)
}

// Defaults for zero Options fields.
const (
	DefaultLeaseName      = "kube-scheduler"
	DefaultLeaseNamespace = "kube-system"
	DefaultLeaseDuration  = 15 * time.Second
	DefaultRenewDeadline  = 10 * time.Second
	DefaultRetryPeriod    = 2 * time.Second
	DefaultBindWorkers    = 512
	DefaultQPS            = 5000
	DefaultBurst          = 10000
)

func (o Options) withDefaults() Options {
	if o.SchedulerName == "" {
		o.SchedulerName = corev1.DefaultSchedulerName
	}
	if o.LeaseName == "" {
		o.LeaseName = DefaultLeaseName
	}
	if o.LeaseNamespace == "" {
		o.LeaseNamespace = DefaultLeaseNamespace
	}
	if o.LeaseDuration <= 0 {
		o.LeaseDuration = DefaultLeaseDuration
	}
	if o.RenewDeadline <= 0 {
		o.RenewDeadline = DefaultRenewDeadline
	}
	if o.RetryPeriod <= 0 {
		o.RetryPeriod = DefaultRetryPeriod
	}
	if o.BindWorkers <= 0 {
		o.BindWorkers = DefaultBindWorkers
	}
	if o.QPS == 0 {
		o.QPS = DefaultQPS
	}
	if o.Burst <= 0 {
		o.Burst = DefaultBurst
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}
