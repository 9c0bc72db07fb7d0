package node

import (
	"context"
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

// renewLease sets the lease's renewTime to now. It updates the lease as
// last written (one request, as upstream's kubelet); without one, or
// when another writer changed or deleted it, it reads the lease again
// first and creates it when missing.
func (a *Agent) renewLease(ctx context.Context) error {
	if a.lease != nil {
		err := a.updateLease(ctx, a.lease)
		if err == nil || !(apierrors.IsConflict(err) || apierrors.IsNotFound(err)) {
			return err
		}
	}
	leases := client.Leases(a.cfg.Client, LeaseNamespace)
	l, err := leases.Get(ctx, a.cfg.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return a.createLease(ctx)
	case err != nil:
		return fmt.Errorf("node: get lease: %w", err)
	}
	return a.updateLease(ctx, l)
}

// updateLease writes a copy of l renewed now and remembers the result.
// A failed write keeps the remembered lease: if it got through after all,
// the next renewal's conflict reads the lease again, and an overloaded
// apiserver is not sent an extra read every renewal.
func (a *Agent) updateLease(ctx context.Context, l *coordinationv1.Lease) error {
	l = l.DeepCopy()
	now := metav1.NewMicroTime(time.Now())
	l.Spec.RenewTime, l.Spec.HolderIdentity = &now, &a.cfg.Name
	out, err := client.Leases(a.cfg.Client, LeaseNamespace).Update(ctx, l, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("node: renew lease: %w", err)
	}
	a.lease = out
	return nil
}

// createLease creates the node's lease, owned by its Node so that it goes
// with it.
func (a *Agent) createLease(ctx context.Context) error {
	now := metav1.NewMicroTime(time.Now())
	secs := int32(a.cfg.LeaseDuration / time.Second)
	l := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: a.cfg.Name, Namespace: LeaseNamespace},
		Spec:       coordinationv1.LeaseSpec{HolderIdentity: &a.cfg.Name, LeaseDurationSeconds: &secs, RenewTime: &now},
	}
	if n, err := client.Nodes(a.cfg.Client).Get(ctx, a.cfg.Name, metav1.GetOptions{}); err == nil {
		l.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: n.Name, UID: n.UID}}
	}
	out, err := client.Leases(a.cfg.Client, LeaseNamespace).Create(ctx, l, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("node: create lease: %w", err)
	}
	a.lease = out
	return nil
}
