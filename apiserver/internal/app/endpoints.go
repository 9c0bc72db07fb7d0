package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/wharfhq/wharf/apiserver/internal/codec"
	"github.com/wharfhq/wharf/apiserver/internal/storage"
	"github.com/wharfhq/wharf/proto/api"
)

// Master leases: each apiserver keeps /registry/masterleases/<ip> alive
// with an etcd lease; the kubernetes Endpoints list the live ones.
const (
	masterLeasePrefix = "/registry/masterleases/"
	masterLeaseTTL    = 30 // seconds
	endpointsInterval = 10 * time.Second
)

var (
	epInfo    = info("endpoints")
	sliceInfo = info("endpointslices")
)

// endpointsReconciler keeps this apiserver's master lease fresh and the
// kubernetes Endpoints/EndpointSlice equal to the live leases.
type endpointsReconciler struct {
	client *clientv3.Client
	store  *storage.Store
	ip     string
	port   int32
}

func (e *endpointsReconciler) run(ctx context.Context, log interface{ Warn(string, ...any) }) {
	t := time.NewTicker(endpointsInterval)
	defer t.Stop()
	for {
		if err := e.reconcile(ctx); err != nil && ctx.Err() == nil {
			log.Warn("kubernetes endpoints reconcile failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (e *endpointsReconciler) reconcile(ctx context.Context) error {
	lease, err := e.client.Grant(ctx, masterLeaseTTL)
	if err != nil {
		return fmt.Errorf("grant master lease: %w", err)
	}
	if _, err := e.client.Put(ctx, masterLeasePrefix+e.ip, e.ip, clientv3.WithLease(lease.ID)); err != nil {
		return fmt.Errorf("put master lease: %w", err)
	}
	resp, err := e.client.Get(ctx, masterLeasePrefix, clientv3.WithPrefix())
	if err != nil {
		return fmt.Errorf("list master leases: %w", err)
	}
	var ips []string
	for _, kv := range resp.Kvs {
		ips = append(ips, string(kv.Value))
	}
	slices.Sort(ips)
	if err := e.put(ctx, epInfo, e.endpoints(ips)); err != nil {
		return err
	}
	return e.put(ctx, sliceInfo, e.slice(ips))
}

func (e *endpointsReconciler) endpoints(ips []string) *corev1.Endpoints {
	ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default",
		Labels: map[string]string{"endpointslice.kubernetes.io/skip-mirror": "true"}}}
	sub := corev1.EndpointSubset{Ports: []corev1.EndpointPort{{Name: "https", Port: e.port, Protocol: corev1.ProtocolTCP}}}
	for _, ip := range ips {
		sub.Addresses = append(sub.Addresses, corev1.EndpointAddress{IP: ip})
	}
	ep.Subsets = []corev1.EndpointSubset{sub}
	return ep
}

func (e *endpointsReconciler) slice(ips []string) *discoveryv1.EndpointSlice {
	name, proto, ready := "https", corev1.ProtocolTCP, true
	s := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default",
			Labels: map[string]string{"kubernetes.io/service-name": "kubernetes", "endpointslice.kubernetes.io/managed-by": "wharf-apiserver"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: &name, Protocol: &proto, Port: &e.port}},
	}
	for _, ip := range ips {
		s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Addresses: []string{ip},
			Conditions: discoveryv1.EndpointConditions{Ready: &ready}})
	}
	return s
}

// put stores obj unless the stored one has the same content; it keeps
// uid and creationTimestamp of an existing object.
func (e *endpointsReconciler) put(ctx context.Context, info *api.Info, obj api.Object) error {
	obj.GetObjectKind().SetGroupVersionKind(info.GVK())
	key := codec.Key(info, obj.GetNamespace(), obj.GetName())
	kv, err := e.store.Get(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		obj.SetUID(types.UID(uuid.NewString()))
		obj.SetCreationTimestamp(metav1.NewTime(time.Now().Truncate(time.Second)))
		val, err := codec.Encode(info, obj)
		if err != nil {
			return err
		}
		_, err = e.store.Create(ctx, key, val)
		if errors.Is(err, storage.ErrExists) {
			return nil // another apiserver won; next round catches up
		}
		return err
	}
	if err != nil {
		return err
	}
	cur, err := codec.Decode(info, kv)
	if err != nil {
		return err
	}
	obj.SetUID(cur.GetUID())
	obj.SetCreationTimestamp(cur.GetCreationTimestamp())
	val, err := codec.Encode(info, obj)
	if err != nil || bytes.Equal(val, kv.Value) {
		return err
	}
	_, err = e.store.Update(ctx, key, val, kv.ModRevision)
	if errors.Is(err, storage.ErrConflict) {
		return nil
	}
	return err
}
