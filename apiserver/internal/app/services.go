package app

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/wharfhq/wharf/apiserver/internal/alloc"
	"github.com/wharfhq/wharf/apiserver/internal/codec"
	"github.com/wharfhq/wharf/apiserver/internal/server"
	"github.com/wharfhq/wharf/apiserver/internal/storage"
)

// newServices builds the allocators opts ask for.
func newServices(opts Options, store *storage.Store) (*alloc.Services, error) {
	ipr, err := alloc.ParseIPRange(opts.ServiceClusterIPRange)
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	pr, err := alloc.ParsePortRange(opts.ServiceNodePortRange)
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	return alloc.NewServices(store, ipr, pr, opts.Logger), nil
}

// listServices reads every Service from etcd (not the cache: repair must
// see what is stored).
func listServices(store *storage.Store) alloc.ListServices {
	return func(ctx context.Context) ([]*corev1.Service, error) {
		var out []*corev1.Service
		res, err := store.List(ctx, codec.Prefix(svcInfo, ""), storage.ListOptions{})
		if err != nil {
			return nil, err
		}
		for _, kv := range res.Items {
			o, err := codec.Decode(svcInfo, kv)
			if err != nil {
				return nil, err
			}
			if svc, ok := o.(*corev1.Service); ok {
				out = append(out, svc)
			}
		}
		return out, nil
	}
}

// createKubernetesService creates default/kubernetes at the range's first
// IP unless it exists.
func createKubernetesService(ctx context.Context, srv *server.Server, svcs *alloc.Services, port int) error {
	ip := svcs.IPRange.IP(0).String()
	svc := &corev1.Service{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default",
			Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"}},
		Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeClusterIP, ClusterIP: ip, ClusterIPs: []string{ip},
			Ports: []corev1.ServicePort{{Name: "https", Protocol: corev1.ProtocolTCP, Port: 443,
				TargetPort: intstr.FromInt32(int32(port))}},
			SessionAffinity: corev1.ServiceAffinityNone,
		},
	}
	err := srv.CreateIfMissing(ctx, svc)
	if apierrors.IsInvalid(err) {
		// The IP is held: the Service exists or another apiserver is creating it.
		return nil
	}
	return err
}
