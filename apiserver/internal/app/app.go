package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/wharfhq/wharf/apiserver/internal/etcd"
	"github.com/wharfhq/wharf/apiserver/internal/metrics"
	"github.com/wharfhq/wharf/apiserver/internal/storage"
)

// shutdownGrace bounds how long Close waits for in-flight requests.
const shutdownGrace = 10 * time.Second

// Running is a started apiserver.
type Running struct {
	log      *slog.Logger
	listener net.Listener
	http     *http.Server
	store    *storage.Store
	client   *clientv3.Client
	embedded *etcd.Embedded // nil with external etcd
	metrics  *metrics.Metrics
	ready    atomic.Bool
	stop     context.CancelFunc // stops caches and the compactor
	bg       sync.WaitGroup     // background goroutines: compactor, serve
	serveErr chan error

	closeOnce sync.Once
	closeErr  error
}

// Start brings up an apiserver as opts say and returns once it serves
// and is ready. On error everything started so far is stopped again.
func Start(ctx context.Context, opts Options) (_ *Running, err error) {
	opts, err = opts.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &Running{log: opts.Logger, metrics: metrics.New(), serveErr: make(chan error, 1)}
	defer func() {
		if err != nil {
			_ = r.Close()
		}
	}()
	if err := r.startEtcd(ctx, opts); err != nil {
		return nil, err
	}
	r.store = storage.New(r.client)
	bgCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	r.stop = stop
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		r.store.RunCompactor(bgCtx, opts.CompactionInterval)
	}()
	caches, err := buildCaches(bgCtx, r.store, opts)
	if err != nil {
		return nil, err
	}
	srv, err := newServer(r, caches, opts)
	if err != nil {
		return nil, err
	}
	if err := createNamespaces(ctx, srv); err != nil {
		return nil, err
	}
	handler, err := r.router(srv)
	if err != nil {
		return nil, err
	}
	if err := r.listen(opts, handler); err != nil {
		return nil, err
	}
	r.ready.Store(true)
	r.log.Info("apiserver ready", "url", r.URL())
	return r, nil
}

// startEtcd starts the embedded etcd (unless opts name servers) and dials it.
func (r *Running) startEtcd(ctx context.Context, opts Options) error {
	endpoints := opts.EtcdServers
	if len(endpoints) == 0 {
		if err := os.MkdirAll(opts.etcdDir(), 0o700); err != nil {
			return fmt.Errorf("app: create data dir: %w", err)
		}
		e, err := etcd.StartEmbedded(ctx, etcd.EmbeddedConfig{DataDir: opts.etcdDir(), Logger: opts.Logger})
		if err != nil {
			return fmt.Errorf("app: %w", err)
		}
		r.embedded = e
		endpoints = e.Endpoints()
	}
	c, err := etcd.Dial(ctx, endpoints)
	if err != nil {
		return fmt.Errorf("app: %w", err)
	}
	r.client = c
	return nil
}

// listen binds the listener and serves handler on it in the background.
func (r *Running) listen(opts Options, handler http.Handler) error {
	addr := net.JoinHostPort(opts.BindAddress, strconv.Itoa(opts.Port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("app: listen on %s: %w", addr, err)
	}
	r.listener = l
	r.http = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(r.log.Handler(), slog.LevelDebug),
	}
	// Watches only end when their cache stops: stop the caches as soon as
	// shutdown begins so Shutdown does not wait for them.
	r.http.RegisterOnShutdown(r.stop)
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		if err := r.http.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			r.serveErr <- fmt.Errorf("app: serve: %w", err)
		}
	}()
	return nil
}

// Addr is the host:port the apiserver listens on.
func (r *Running) Addr() string { return r.listener.Addr().String() }

// URL is the apiserver's base URL, "http://host:port".
func (r *Running) URL() string { return "http://" + r.Addr() }

// Store is the etcd store the apiserver writes through (for tests and
// maintenance such as compaction).
func (r *Running) Store() *storage.Store { return r.store }

// Metrics is the apiserver's metrics registry.
func (r *Running) Metrics() *metrics.Metrics { return r.metrics }

// Close shuts the apiserver down gracefully: it stops accepting, ends
// open watches, waits up to 10s for requests in flight, then stops the
// background work and etcd. It is safe to call more than once.
func (r *Running) Close() error {
	r.closeOnce.Do(func() { r.closeErr = r.close() })
	return r.closeErr
}

func (r *Running) close() error {
	r.ready.Store(false)
	var errs []error
	if r.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		if err := r.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("app: shutdown: %w", err))
			_ = r.http.Close()
		}
		cancel()
	}
	if r.stop != nil {
		r.stop()
	}
	r.bg.Wait()
	if r.client != nil {
		if err := r.client.Close(); err != nil && !errors.Is(err, context.Canceled) {
			errs = append(errs, fmt.Errorf("app: close etcd client: %w", err))
		}
	}
	if r.embedded != nil {
		r.embedded.Close()
	}
	r.log.Info("apiserver stopped")
	return errors.Join(errs...)
}

// Run starts an apiserver and serves until ctx ends or serving fails,
// then closes it.
func Run(ctx context.Context, opts Options) error {
	r, err := Start(ctx, opts)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case err = <-r.serveErr:
	}
	return errors.Join(err, r.Close())
}
