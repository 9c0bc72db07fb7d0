package app

import (
	"context"
	"crypto/tls"
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

	"github.com/wharfhq/wharf/apiserver/internal/alloc"
	"github.com/wharfhq/wharf/apiserver/internal/etcd"
	"github.com/wharfhq/wharf/apiserver/internal/metrics"
	"github.com/wharfhq/wharf/apiserver/internal/server"
	"github.com/wharfhq/wharf/apiserver/internal/storage"
	"github.com/wharfhq/wharf/apiserver/internal/watchcache"
)

// shutdownGrace bounds how long Close waits for in-flight requests.
const shutdownGrace = 10 * time.Second

// Running is a started apiserver.
type Running struct {
	log      *slog.Logger
	opts     Options
	secure   net.Listener // nil with TLS disabled
	insecure net.Listener // nil unless Options.Insecure
	servers  []*http.Server
	sec      *security // nil with TLS disabled
	caches   map[string]*watchcache.Cache
	audit    *auditLog // nil unless Options.AuditLogPath
	// kubeletTransport reaches kubelets with the apiserver's client certificate.
	kubeletTransport http.RoundTripper
	store            *storage.Store
	client           *clientv3.Client
	embedded         *etcd.Embedded // nil with external etcd
	metrics          *metrics.Metrics
	ready            atomic.Bool
	stop             context.CancelFunc // stops caches and the compactor
	bg               sync.WaitGroup     // background goroutines: compactor, serve
	serveErr         chan error

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
	r := &Running{log: opts.Logger, opts: opts, metrics: metrics.New(), serveErr: make(chan error, 1)}
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
	r.caches = caches
	if err := r.serve(ctx, bgCtx, caches); err != nil {
		return nil, err
	}
	r.ready.Store(true)
	r.log.Info("apiserver ready", "url", r.URL())
	return r, nil
}

// serve builds the server, bootstraps the cluster objects, listens and
// starts the background loops.
func (r *Running) serve(ctx, bgCtx context.Context, caches map[string]*watchcache.Cache) error {
	opts := r.opts
	svcs, err := newServices(opts, r.store)
	if err != nil {
		return err
	}
	if !opts.DisableTLS {
		if r.sec, err = newSecurity(opts, svcs.IPRange.IP(0), caches); err != nil {
			return err
		}
	}
	var srvRef atomic.Pointer[server.Server]
	srv, err := newServer(r, caches, opts, newAdmission(r.sec, r.store, caches, svcs, &srvRef))
	if err != nil {
		return err
	}
	srvRef.Store(srv)
	if err := bootstrap(ctx, srv); err != nil {
		return err
	}
	handler, err := r.router(srv)
	if err != nil {
		return err
	}
	if opts.AuditLogPath != "" {
		if r.audit, err = openAudit(opts.AuditLogPath); err != nil {
			return err
		}
	}
	if err := r.listen(opts, handler); err != nil {
		return err
	}
	if err := createKubernetesService(ctx, srv, svcs, r.advertisedPort()); err != nil {
		return err
	}
	if r.sec != nil && r.sec.ownPKI {
		if err := r.sec.pki.WriteAdminKubeconfig(r.URL()); err != nil {
			return fmt.Errorf("app: %w", err)
		}
	}
	r.startLoops(bgCtx, svcs)
	return nil
}

func (r *Running) startLoops(ctx context.Context, svcs *alloc.Services) {
	rep := &alloc.Repairer{Services: svcs, List: listServices(r.store)}
	ep := &endpointsReconciler{client: r.client, store: r.store, ip: r.opts.AdvertiseAddress, port: int32(r.advertisedPort())}
	r.bg.Add(2)
	go func() { defer r.bg.Done(); rep.RunEvery(ctx, r.opts.RepairInterval) }()
	go func() { defer r.bg.Done(); ep.run(ctx, r.log) }()
}

// advertisedPort is the port the kubernetes Service targets.
func (r *Running) advertisedPort() int {
	l := r.secure
	if l == nil {
		l = r.insecure
	}
	return l.Addr().(*net.TCPAddr).Port
}

// startEtcd starts the embedded etcd (unless opts name servers) and dials it.
func (r *Running) startEtcd(ctx context.Context, opts Options) error {
	endpoints, tlsFiles := opts.EtcdServers, opts.EtcdTLS
	if len(endpoints) == 0 {
		tlsFiles = etcd.TLSFiles{}
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
	c, err := etcd.Dial(ctx, endpoints, tlsFiles)
	if err != nil {
		return fmt.Errorf("app: %w", err)
	}
	r.client = c
	return nil
}

// listen binds the HTTPS and plain-HTTP listeners opts ask for and
// serves handler on them in the background.
func (r *Running) listen(opts Options, handler http.Handler) error {
	if r.sec != nil {
		addr := net.JoinHostPort(opts.BindAddress, strconv.Itoa(opts.SecurePort))
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("app: listen on %s: %w", addr, err)
		}
		r.secure = l
		r.serveOn(tls.NewListener(l, r.sec.tls), r.audit.wrap(withAuth(r.log, r.sec.authn, r.sec.authz, handler)))
	}
	if opts.Insecure {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.InsecurePort))
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("app: listen on %s: %w", addr, err)
		}
		r.insecure = l
		r.serveOn(l, r.audit.wrap(withUnsecured(handler)))
	}
	return nil
}

func (r *Running) serveOn(l net.Listener, h http.Handler) {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(r.log.Handler(), slog.LevelDebug),
	}
	// Watches only end when their cache stops: stop the caches as soon as
	// shutdown begins so Shutdown does not wait for them.
	hs.RegisterOnShutdown(r.stop)
	r.servers = append(r.servers, hs)
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			select {
			case r.serveErr <- fmt.Errorf("app: serve: %w", err):
			default:
			}
		}
	}()
}

// Addr is the host:port of the HTTPS listener, or of the plain-HTTP one
// when TLS is disabled.
func (r *Running) Addr() string {
	if r.secure != nil {
		return r.secure.Addr().String()
	}
	return r.insecure.Addr().String()
}

// URL is the apiserver's base URL: "https://host:port", or the
// insecure "http://127.0.0.1:port" when TLS is disabled.
func (r *Running) URL() string {
	if r.secure != nil {
		return "https://" + hostPort(r.secure.Addr().(*net.TCPAddr), r.opts.AdvertiseAddress)
	}
	return r.InsecureURL()
}

// InsecureURL is the plain-HTTP base URL, "" if that port is off.
func (r *Running) InsecureURL() string {
	if r.insecure == nil {
		return ""
	}
	return "http://" + r.insecure.Addr().String()
}

// CertDir is the directory of the PKI ("" with TLS disabled); its
// admin.kubeconfig reaches URL as CN=admin, O=system:masters.
func (r *Running) CertDir() string {
	if r.sec == nil {
		return ""
	}
	return r.sec.pki.Path
}

// hostPort is a's host:port with an unspecified host replaced by adv.
func hostPort(a *net.TCPAddr, adv string) string {
	host := a.IP.String()
	if a.IP.IsUnspecified() {
		host = adv
	}
	return net.JoinHostPort(host, strconv.Itoa(a.Port))
}

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
	for _, hs := range r.servers {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		if err := hs.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("app: shutdown: %w", err))
			_ = hs.Close()
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
	if err := r.audit.Close(); err != nil {
		errs = append(errs, fmt.Errorf("app: close audit log: %w", err))
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
