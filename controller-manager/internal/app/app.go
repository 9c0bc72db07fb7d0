// Package app assembles the controller-manager: one API client, shared
// informers, an event broadcaster and the enabled controllers, run while
// this process holds the leader Lease.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wharfhq/wharf/controller-manager/internal/events"
	"github.com/wharfhq/wharf/controller-manager/internal/informers"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/kubeconfig"
)

// Options are the controller-manager's settings (flags).
type Options struct {
	Kubeconfig  string // path; empty uses the default locations
	Server      string // overrides the kubeconfig's server
	Controllers []string
	Workers     int
	// LeaderElect runs controllers only while holding the Lease
	// kube-system/kube-controller-manager.
	LeaderElect   bool
	LeaseDuration time.Duration
	RenewDeadline time.Duration
	RetryPeriod   time.Duration
	// BindAddress serves /healthz and /metrics ("" disables).
	BindAddress string
	QPS         float32
	Burst       int
	Resync      time.Duration
	// ClusterCIDR and NodeCIDRMaskSize drive node IPAM.
	ClusterCIDR            string
	NodeCIDRMaskSize       int
	NodeMonitorGracePeriod time.Duration
	Logger                 *slog.Logger
}

func (o *Options) defaults() {
	if o.Workers <= 0 {
		o.Workers = 5
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Resync == 0 {
		o.Resync = 10 * time.Minute
	}
}

// Run runs the controller-manager until ctx ends.
func Run(ctx context.Context, opts Options) error {
	opts.defaults()
	enabled, err := enabledControllers(opts.Controllers, controllers())
	if err != nil {
		return err
	}
	c, err := newClient(opts)
	if err != nil {
		return err
	}
	if opts.BindAddress != "" {
		stop, err := serveHealth(opts.BindAddress, opts.Logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	run := func(ctx context.Context) { runControllers(ctx, c, opts, enabled) }
	if !opts.LeaderElect {
		run(ctx)
		return nil
	}
	return runElected(ctx, c, opts, run)
}

func newClient(opts Options) (*client.Client, error) {
	var cfg *client.Config
	if opts.Kubeconfig != "" || opts.Server == "" {
		kc, _, err := kubeconfig.LoadDefault(opts.Kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("loading kubeconfig: %w", err)
		}
		if cfg, _, err = kc.ClientConfig(""); err != nil {
			return nil, err
		}
	} else {
		cfg = &client.Config{}
	}
	if opts.Server != "" {
		cfg.Host = opts.Server
	}
	cfg.QPS, cfg.Burst = opts.QPS, opts.Burst
	cfg.UserAgent = "wharf-controller-manager"
	return client.New(cfg)
}

func runControllers(ctx context.Context, c *client.Client, opts Options, enabled []string) {
	factory := informers.New(c, opts.Resync, opts.Logger)
	b := events.NewBroadcaster(events.APISink{Client: c}, opts.Logger, time.Now)
	deps := &Deps{Client: c, Informers: factory, Broadcaster: b, Logger: opts.Logger, Options: opts, Now: time.Now}
	all := controllers()
	var runs []runner
	for _, name := range enabled {
		runs = append(runs, all[name](deps))
		opts.Logger.Info("starting controller", "controller", name)
	}
	factory.Start(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); b.Run(ctx) }()
	for _, r := range runs {
		wg.Add(1)
		go func() { defer wg.Done(); r.Run(ctx, opts.Workers) }()
	}
	wg.Wait()
}

// identity names this process in the leader Lease.
func identity() string {
	host, _ := os.Hostname()
	return host + "_" + uuid.NewString()
}

func serveHealth(addr string, logger *slog.Logger) (func(), error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("health server stopped", "err", err)
		}
	}()
	return func() { _ = srv.Close() }, nil
}
