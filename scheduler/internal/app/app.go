package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/kubeconfig"
	"github.com/wharfhq/wharf/scheduler/internal/metrics"
	"github.com/wharfhq/wharf/scheduler/internal/queue"
)

// Run runs the scheduler until ctx ends: it serves /healthz and /metrics,
// and schedules (as leader, when LeaderElect).
func Run(ctx context.Context, opts Options) error {
	opts = opts.withDefaults()
	if opts.Identity == "" {
		host, _ := os.Hostname()
		opts.Identity = host + "_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	c, err := newClient(opts)
	if err != nil {
		return err
	}
	q := queue.New(nil)
	m := metrics.New(q.Lens)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	if opts.BindAddress != "" {
		ln, err := net.Listen("tcp", opts.BindAddress)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", opts.BindAddress, err)
		}
		if opts.OnListen != nil {
			opts.OnListen(ln.Addr().String())
		}
		wg.Go(func() { serveHTTP(ctx, ln, m.Handler(opts.Profiling), opts) })
	}
	work := func(ctx context.Context) error {
		return newScheduler(opts, c, q, m).run(ctx)
	}
	if !opts.LeaderElect {
		return work(ctx)
	}
	return runElected(ctx, opts, c, work)
}

func newClient(opts Options) (*client.Client, error) {
	kc, _, err := kubeconfig.LoadDefault(opts.Kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	cfg, _, err := kc.ClientConfig(opts.Context)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig context %q: %w", opts.Context, err)
	}
	cfg.QPS, cfg.Burst = opts.QPS, opts.Burst
	if cfg.UserAgent == "" {
		cfg.UserAgent = "wharf-scheduler"
	}
	c, err := client.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("api client: %w", err)
	}
	return c, nil
}

func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, opts Options) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		opts.Logger.ErrorContext(ctx, "metrics server stopped", "err", err)
	}
}
