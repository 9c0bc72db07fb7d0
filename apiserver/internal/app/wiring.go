package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/internal/authz"
	"github.com/wharfhq/wharf/apiserver/internal/codec"
	"github.com/wharfhq/wharf/apiserver/internal/registry"
	"github.com/wharfhq/wharf/apiserver/internal/server"
	"github.com/wharfhq/wharf/apiserver/internal/storage"
	"github.com/wharfhq/wharf/apiserver/internal/watchcache"
	"github.com/wharfhq/wharf/proto/api"
)

// buildCaches starts one synced watch cache per catalogued resource, all
// in parallel. The caches run until ctx ends.
func buildCaches(ctx context.Context, store *storage.Store, opts Options) (map[string]*watchcache.Cache, error) {
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		errs   []error
		caches = map[string]*watchcache.Cache{}
	)
	start := time.Now()
	for _, info := range api.All() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := watchcache.New(ctx, watchcache.Config{
				Store:    store,
				Prefix:   codec.Prefix(info, ""),
				Decode:   func(kv storage.KV) (api.Object, error) { return codec.Decode(info, kv) },
				Capacity: opts.WatchCacheCapacity,
				Logger:   opts.Logger.With("resource", info.Resource),
				Trigger:  triggerFunc(info),
			})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("app: watch cache for %s: %w", info.Resource, err))
				return
			}
			caches[info.Resource] = c
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	opts.Logger.Debug("watch caches synced", "resources", len(caches), "took", time.Since(start))
	return caches, nil
}

// newServer builds the REST server over the store and caches.
func newServer(r *Running, caches map[string]*watchcache.Cache, opts Options, adm server.Admission) (*server.Server, error) {
	srv, err := server.New(server.Config{
		Store:               r.store,
		Caches:              caches,
		Strategy:            registry.For,
		Metrics:             r.metrics,
		Logger:              opts.Logger,
		MaxRequestBodyBytes: opts.MaxRequestBodyBytes,
		Admission:           adm,
	})
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	return srv, nil
}

// systemNamespaces exist in every cluster, as upstream creates them.
var systemNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease"}

// bootstrap creates the system namespaces and the default RBAC roles and
// bindings, and adds rules and subjects missing from stored default roles
// and bindings (after an upgrade), as upstream reconciles them.
func bootstrap(ctx context.Context, srv *server.Server) error {
	if err := createNamespaces(ctx, srv); err != nil {
		return err
	}
	for _, want := range authz.BootstrapClusterRoles() {
		err := srv.Reconcile(ctx, want, func(cur api.Object) (api.Object, bool) {
			role, ok := cur.(*rbacv1.ClusterRole)
			if !ok {
				return cur, false
			}
			return authz.ReconcileClusterRole(role, want)
		})
		if err != nil {
			return fmt.Errorf("app: bootstrap: %w", err)
		}
	}
	for _, want := range authz.BootstrapClusterRoleBindings() {
		err := srv.Reconcile(ctx, want, func(cur api.Object) (api.Object, bool) {
			b, ok := cur.(*rbacv1.ClusterRoleBinding)
			if !ok {
				return cur, false
			}
			return authz.ReconcileClusterRoleBinding(b, want)
		})
		if err != nil {
			return fmt.Errorf("app: bootstrap: %w", err)
		}
	}
	return nil
}

// createNamespaces creates the system namespaces that do not exist yet.
func createNamespaces(ctx context.Context, srv *server.Server) error {
	for _, name := range systemNamespaces {
		ns := &corev1.Namespace{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: name},
		}
		if err := srv.CreateIfMissing(ctx, ns); err != nil {
			return fmt.Errorf("app: create namespace %s: %w", name, err)
		}
	}
	return nil
}

// triggerFunc returns the watch cache trigger for a resource with a
// TriggerField, or nil.
func triggerFunc(info *api.Info) func(api.Object) string {
	if info.TriggerField == "" || info.Fields == nil {
		return nil
	}
	return func(obj api.Object) string { return info.Fields(obj)[info.TriggerField] }
}
