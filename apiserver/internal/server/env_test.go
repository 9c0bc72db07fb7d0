package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/internal/codec"
	"github.com/wharfhq/wharf/apiserver/internal/etcd"
	"github.com/wharfhq/wharf/apiserver/internal/storage"
	"github.com/wharfhq/wharf/apiserver/internal/watchcache"
	"github.com/wharfhq/wharf/proto/api"
)

// startEtcd starts an embedded etcd for one test and returns a client.
func startEtcd(t testing.TB) *clientv3.Client {
	t.Helper()
	ctx := context.Background()
	e, err := etcd.StartEmbedded(ctx, etcd.EmbeddedConfig{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	c, err := etcd.Dial(ctx, e.Endpoints())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// env is a running server for one test.
type env struct {
	t     testing.TB
	url   string
	srv   *Server
	store *storage.Store
}

// newEnv starts etcd and a server without watch caches.
func newEnv(t testing.TB, _ any) *env { return newCachedEnv(t, 0) }

// newCachedEnv starts etcd and a server; keep > 0 adds a test watch cache
// per resource that keeps that many events.
func newCachedEnv(t testing.TB, keep int, opts ...func(*Config)) *env {
	t.Helper()
	st := storage.New(startEtcd(t))
	var caches map[string]*watchcache.Cache
	if keep > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		caches = map[string]*watchcache.Cache{}
		for _, info := range api.All() {
			c, err := watchcache.New(ctx, watchcache.Config{Store: st, Prefix: codec.Prefix(info, ""), Capacity: keep,
				Decode: func(kv storage.KV) (api.Object, error) { return codec.Decode(info, kv) }})
			if err != nil {
				t.Fatal(err)
			}
			caches[info.Resource] = c
		}
	}
	cfg := Config{Store: st, Caches: caches, MaxRequestBodyBytes: 1 << 20,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, o := range opts {
		o(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	s.Register(r)
	hs := httptest.NewServer(r)
	t.Cleanup(hs.Close)
	e := &env{t: t, url: hs.URL, srv: s, store: st}
	for _, ns := range []string{"default", "kube-system"} {
		o := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
		if err := s.CreateIfMissing(context.Background(), o); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// do sends a request and returns the status code, body and headers.
func (e *env) do(method, path, contentType, body string, hdr ...string) (int, string, http.Header) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil && !errors.Is(err, io.EOF) {
		e.t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// must sends a request and fails the test unless the code is want.
func (e *env) must(want int, method, path, body string) string {
	e.t.Helper()
	ct := "application/json"
	if method == "PATCH" {
		ct = "application/merge-patch+json"
	}
	code, b, _ := e.do(method, path, ct, body)
	if code != want {
		e.t.Fatalf("%s %s: got %d, want %d: %s", method, path, code, want, b)
	}
	return b
}
