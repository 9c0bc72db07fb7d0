package app

import (
	"context"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/internal/admission"
	"github.com/wharfhq/wharf/apiserver/internal/alloc"
	"github.com/wharfhq/wharf/apiserver/internal/codec"
	"github.com/wharfhq/wharf/apiserver/internal/server"
	"github.com/wharfhq/wharf/apiserver/internal/storage"
	"github.com/wharfhq/wharf/apiserver/internal/watchcache"
	"github.com/wharfhq/wharf/proto/api"
)

var cmInfo = info("configmaps")

// admitter adapts the admission chain to the server and releases Service
// allocations on delete.
type admitter struct {
	chain admission.Chain
	svcs  *alloc.Services
}

var _ server.Admission = admitter{}

func (a admitter) Admit(ctx context.Context, op server.Operation, info *api.Info, obj, old api.Object) (func(context.Context, bool), error) {
	f, err := a.chain.Admit(ctx, admission.Attributes{Op: admission.Operation(op), Info: info, Obj: obj, Old: old})
	if err != nil || f == nil {
		return nil, err
	}
	return f, nil
}

func (a admitter) Deleted(ctx context.Context, info *api.Info, obj api.Object) {
	if svc, ok := obj.(*corev1.Service); ok && info == svcInfo {
		a.svcs.Release(ctx, svc)
	}
}

// serviceAlloc is the admission plugin that gives Services their
// ClusterIP and NodePorts.
type serviceAlloc struct{ svcs *alloc.Services }

func (p serviceAlloc) Admit(ctx context.Context, a admission.Attributes) (admission.Finish, error) {
	svc, ok := a.Obj.(*corev1.Service)
	if !ok || a.Info != svcInfo {
		return nil, nil
	}
	if a.Op == admission.Create {
		undo, err := p.svcs.Create(ctx, svc)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, stored bool) {
			if !stored {
				undo(ctx)
			}
		}, nil
	}
	old, ok := a.Old.(*corev1.Service)
	if !ok {
		return nil, nil
	}
	commit, err := p.svcs.Update(ctx, svc, old)
	if err != nil {
		return nil, err
	}
	return admission.Finish(commit), nil
}

// newAdmission builds the chain. ServiceAccount token mounting needs the
// token signer, so it is on only with TLS; srv is set once the server
// exists (the plugin creates missing default ServiceAccounts and
// kube-root-ca.crt ConfigMaps through it).
func newAdmission(sec *security, store *storage.Store, caches map[string]*watchcache.Cache, svcs *alloc.Services, srv *atomic.Pointer[server.Server]) admitter {
	var chain admission.Chain
	if sec != nil {
		chain = append(chain, admission.ServiceAccount{Lister: cacheLister(caches),
			EnsureDefault: func(ctx context.Context, ns string) error {
				return srv.Load().CreateIfMissing(ctx, &corev1.ServiceAccount{
					TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
					ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns}})
			},
			EnsureRootCA: func(ctx context.Context, ns string) error {
				if _, ok := caches[cmInfo.Resource].Get(codec.Key(cmInfo, ns, admission.RootCAConfigMap)); ok {
					return nil
				}
				return srv.Load().CreateIfMissing(ctx, &corev1.ConfigMap{
					TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
					ObjectMeta: metav1.ObjectMeta{Name: admission.RootCAConfigMap, Namespace: ns},
					Data:       map[string]string{"ca.crt": string(sec.pki.CA.CertPEM)}})
			}})
	}
	chain = append(chain, admission.LimitRanger{Lister: cacheLister(caches)},
		&admission.ResourceQuota{Lister: quotaLister{cache: cacheLister(caches), store: storeLister{store}}}, serviceAlloc{svcs})
	return admitter{chain: chain, svcs: svcs}
}

// cacheLister lists from the watch caches.
type cacheLister map[string]*watchcache.Cache

func (c cacheLister) List(_ context.Context, info *api.Info, ns string) ([]api.Object, error) {
	objs, _ := c[info.Resource].List(codec.Prefix(info, ns))
	return objs, nil
}

// quotaLister lists ResourceQuotas from the watch cache (the server waits
// for that cache after each quota write, so this apiserver reads its own
// quota writes) and everything else, the usage counted against them, from
// etcd.
type quotaLister struct {
	cache cacheLister
	store storeLister
}

func (q quotaLister) List(ctx context.Context, info *api.Info, ns string) ([]api.Object, error) {
	if _, ok := q.cache[info.Resource]; ok && info.Resource == "resourcequotas" {
		return q.cache.List(ctx, info, ns)
	}
	return q.store.List(ctx, info, ns)
}

// storeLister lists from etcd.
type storeLister struct{ store *storage.Store }

func (s storeLister) List(ctx context.Context, info *api.Info, ns string) ([]api.Object, error) {
	res, err := s.store.List(ctx, codec.Prefix(info, ns), storage.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := make([]api.Object, 0, len(res.Items))
	for _, kv := range res.Items {
		o, err := codec.Decode(info, kv)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}
