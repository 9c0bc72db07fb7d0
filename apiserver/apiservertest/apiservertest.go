// Package apiservertest starts a real wharf-apiserver for tests: embedded
// etcd in a temporary directory, plain HTTP on a free 127.0.0.1 port (or
// HTTPS with authentication and RBAC, WithTLS), and a kubeconfig file
// pointing at it.
//
//	func TestX(t *testing.T) {
//		s := apiservertest.Start(t)          // stopped by t.Cleanup
//		c := client.New(s.URL)               // or load s.Kubeconfig
//		...
//		s.Restart(t)                         // same data, same URL
//	}
package apiservertest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/wharfhq/wharf/apiserver/internal/app"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/kubeconfig"
)

// Server is a running test apiserver.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:<port>".
	URL string
	// Kubeconfig is the path of a kubeconfig file (upstream format) whose
	// current context points at URL without credentials.
	Kubeconfig string
	// DataDir holds the embedded etcd.
	DataDir string
	// CertDir holds the generated PKI with WithTLS; empty otherwise.
	CertDir string

	cfg     config
	mu      sync.Mutex
	running *app.Running
	port    int
}

type config struct {
	watchCacheCapacity int
	logger             *slog.Logger
	secure             bool
	authorizationMode  string
	tokenFile          string
}

// WithTLS serves HTTPS with client authentication and RBAC instead of
// plain HTTP: URL is https, Kubeconfig carries the generated CA and an
// admin client certificate (CN=admin, O=system:masters), and CertDir
// holds the PKI (ca.crt, ca.key, ...) for issuing more identities.
func WithTLS() Option { return func(c *config) { c.secure = true } }

// WithAuthorizationMode sets "RBAC" (default) or "AlwaysAllow" (WithTLS only).
func WithAuthorizationMode(mode string) Option {
	return func(c *config) { c.authorizationMode = mode }
}

// WithTokenFile names an upstream static token file (WithTLS only).
func WithTokenFile(path string) Option { return func(c *config) { c.tokenFile = path } }

// Option configures Start.
type Option func(*config)

// WithWatchCacheCapacity sets the number of events each watch cache keeps.
func WithWatchCacheCapacity(n int) Option { return func(c *config) { c.watchCacheCapacity = n } }

// WithLogger sends the apiserver's logs to l (they are discarded by
// default, since logging to t after the test ends would panic).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// Start starts an apiserver on embedded etcd in t.TempDir() on a free
// port, ready to serve, and registers Stop with t.Cleanup. It fails t on
// error.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{DataDir: t.TempDir(), cfg: config{logger: slog.New(slog.DiscardHandler)}}
	for _, o := range opts {
		o(&s.cfg)
	}
	t.Cleanup(s.Stop)
	s.start(t)
	s.URL = s.running.URL()
	s.Kubeconfig = filepath.Join(s.DataDir, "kubeconfig")
	if s.cfg.secure {
		s.CertDir = s.running.CertDir()
		s.Kubeconfig = filepath.Join(s.CertDir, "admin.kubeconfig")
		return s
	}
	if err := os.WriteFile(s.Kubeconfig, []byte(plainKubeconfig(s.URL)), 0o600); err != nil {
		t.Fatalf("apiservertest: write kubeconfig: %v", err)
	}
	return s
}

// start starts the apiserver on s.port (a free one if 0) and remembers
// the port, so a restart keeps the URL.
func (s *Server) start(t testing.TB) {
	t.Helper()
	o := app.Options{
		BindAddress:        "127.0.0.1",
		DataDir:            s.DataDir,
		WatchCacheCapacity: s.cfg.watchCacheCapacity,
		Logger:             s.cfg.logger,
		AuthorizationMode:  s.cfg.authorizationMode,
		TokenAuthFile:      s.cfg.tokenFile,
	}
	if s.cfg.secure {
		o.SecurePort = s.port
	} else {
		o.DisableTLS, o.Insecure, o.InsecurePort = true, true, s.port
	}
	r, err := app.Start(context.Background(), o)
	if err != nil {
		t.Fatalf("apiservertest: start apiserver: %v", err)
	}
	_, port, err := net.SplitHostPort(r.Addr())
	if err != nil {
		_ = r.Close()
		t.Fatalf("apiservertest: %v", err)
	}
	s.port, _ = strconv.Atoi(port)
	s.mu.Lock()
	s.running = r
	s.mu.Unlock()
}

// Stop shuts the apiserver down; open watches end. It is safe to call
// more than once.
func (s *Server) Stop() {
	s.mu.Lock()
	r := s.running
	s.running = nil
	s.mu.Unlock()
	if r != nil {
		// Close errors are shutdown noise (a slow watcher); the data is safe.
		_ = r.Close()
	}
}

// Restart stops the apiserver and starts it again on the same data
// directory and the same URL.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	s.start(t)
	if got := s.running.URL(); got != s.URL {
		t.Fatalf("apiservertest: restarted on %s, want %s", got, s.URL)
	}
}

func (s *Server) current() (*app.Running, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running == nil {
		return nil, fmt.Errorf("apiservertest: server is stopped")
	}
	return s.running, nil
}

// Client returns an unthrottled client configured from Kubeconfig (the
// admin identity with WithTLS); a failure ends the test.
func (s *Server) Client(t testing.TB) *client.Client {
	t.Helper()
	kc, err := kubeconfig.Load(s.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := kc.ClientConfig("")
	if err != nil {
		t.Fatal(err)
	}
	cfg.QPS = -1
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Revision returns etcd's current revision (the newest resourceVersion).
func (s *Server) Revision(ctx context.Context) (int64, error) {
	r, err := s.current()
	if err != nil {
		return 0, err
	}
	rev, err := r.Store().CurrentRevision(ctx)
	if err != nil {
		return 0, fmt.Errorf("apiservertest: revision: %w", err)
	}
	return rev, nil
}

// Compact compacts etcd history up to its current revision, which it
// returns: watches and lists from older resourceVersions get 410 Gone.
func (s *Server) Compact(ctx context.Context) (int64, error) {
	r, err := s.current()
	if err != nil {
		return 0, err
	}
	rev, err := r.Store().CurrentRevision(ctx)
	if err != nil {
		return 0, fmt.Errorf("apiservertest: revision: %w", err)
	}
	if err := r.Store().Compact(ctx, rev); err != nil {
		return 0, fmt.Errorf("apiservertest: compact to %d: %w", rev, err)
	}
	return rev, nil
}

// plainKubeconfig is an upstream kubeconfig for an unauthenticated server.
func plainKubeconfig(server string) string {
	return `apiVersion: v1
kind: Config
clusters:
- name: wharf
  cluster:
    server: ` + server + `
contexts:
- name: wharf
  context:
    cluster: wharf
    user: wharf
    namespace: default
current-context: wharf
users:
- name: wharf
  user: {}
preferences: {}
`
}
