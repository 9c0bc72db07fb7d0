package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/wharfhq/wharf/apiserver/internal/authn"
	"github.com/wharfhq/wharf/apiserver/internal/authz"
	"github.com/wharfhq/wharf/apiserver/internal/pki"
)

// BenchmarkSecurePodCreate creates pods over HTTPS with a client
// certificate, authorized by RBAC (a user bound to "edit" by a
// RoleBinding, so RBAC walks the bindings) and by AlwaysAllow.
func BenchmarkSecurePodCreate(b *testing.B) {
	for _, mode := range []string{ModeAlwaysAllow, ModeRBAC} {
		b.Run(mode, func(b *testing.B) {
			r, err := Start(context.Background(), Options{DataDir: b.TempDir(), AuthorizationMode: mode, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			ca, err := pki.LoadCA(filepath.Join(r.CertDir(), pki.CACert), filepath.Join(r.CertDir(), pki.CAKey))
			if err != nil {
				b.Fatal(err)
			}
			e := &secureEnv{t: b, r: r, ca: ca}
			e.pool = poolOf(ca)
			admin := e.client(nil, "admin", "system:masters")
			e.must(admin, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
				`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"bench"},
				 "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"edit"},
				 "subjects":[{"kind":"User","name":"bench"}]}`, 201)
			user := e.client(nil, "bench")
			var n atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					body := fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p%d"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`, n.Add(1))
					if code, out := e.do(user, "POST", "/api/v1/namespaces/default/pods", body); code != 201 {
						b.Errorf("create: %d %s", code, out)
						return
					}
				}
			})
		})
	}
}

// BenchmarkAuthorizePodCreate measures the authorizer alone on the
// request BenchmarkSecurePodCreate sends (RBAC walks the bootstrap
// ClusterRoleBindings and the namespace's RoleBindings from the caches).
func BenchmarkAuthorizePodCreate(b *testing.B) {
	r, err := Start(context.Background(), Options{DataDir: b.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	ca, err := pki.LoadCA(filepath.Join(r.CertDir(), pki.CACert), filepath.Join(r.CertDir(), pki.CAKey))
	if err != nil {
		b.Fatal(err)
	}
	e := &secureEnv{t: b, r: r, ca: ca, pool: poolOf(ca)}
	e.must(e.client(nil, "admin", "system:masters"), "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
		`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"bench"},
		 "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"edit"},
		 "subjects":[{"kind":"User","name":"bench"}]}`, 201)
	req := httptest.NewRequest("POST", "/api/v1/namespaces/default/pods", nil)
	user := &authn.User{Name: "bench", Groups: []string{authn.GroupAuthenticated}}
	waitFor(b, func() bool {
		a := authz.Resolve(req)
		a.User = user
		d, _ := r.sec.authz.Authorize(context.Background(), a)
		return d == authz.Allow
	})
	b.ResetTimer()
	for b.Loop() {
		a := authz.Resolve(req)
		a.User = user
		if d, _ := r.sec.authz.Authorize(context.Background(), a); d != authz.Allow {
			b.Fatal("denied")
		}
	}
}
