package garbagecollector

import (
	"context"
	"errors"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/wharfhq/wharf/proto/api"
)

// sync handles one item in its owner role (when it is being deleted with
// a policy finalizer) or in its dependent role.
func (c *Controller) sync(ctx context.Context, it Item) error {
	ch, ok := c.graph.byResource[it.Resource]
	if !ok {
		return nil
	}
	obj, ok := ch.inf.Lister().Get(it.Namespace, it.Name)
	if !ok {
		return nil
	}
	if obj.GetDeletionTimestamp() == nil {
		return c.collect(ctx, ch.info, obj)
	}
	switch {
	case HasFinalizer(obj, FinalizerOrphan):
		return c.orphan(ctx, ch.info, obj)
	case HasFinalizer(obj, FinalizerForeground):
		return c.foreground(ctx, ch.info, obj)
	}
	return nil
}

// collect deletes obj or trims its references according to Decide.
func (c *Controller) collect(ctx context.Context, info *api.Info, obj *unstructured.Unstructured) error {
	refs := obj.GetOwnerReferences()
	if len(refs) == 0 {
		return nil
	}
	states := make([]OwnerState, len(refs))
	for i, ref := range refs {
		st, err := c.ownerState(ctx, obj, ref)
		if err != nil {
			return err
		}
		states[i] = st
	}
	act := Decide(refs, states)
	switch act.Kind {
	case Delete:
		c.cfg.Logger.Info("deleting object whose owners are gone or deleting", "resource", info.Resource,
			"namespace", obj.GetNamespace(), "name", obj.GetName(), "propagation", act.Policy)
		err := c.cfg.Client.Delete(ctx, info, obj.GetNamespace(), obj.GetName(),
			metav1.DeleteOptions{PropagationPolicy: &act.Policy, Preconditions: uidPrecondition(obj)})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return fmt.Errorf("deleting %s %s/%s: %w", info.Resource, obj.GetNamespace(), obj.GetName(), err)
		}
	case RemoveRefs:
		return c.updateLive(ctx, info, obj, func(u *unstructured.Unstructured) {
			u.SetOwnerReferences(WithoutRefs(u.GetOwnerReferences(), act.Remove))
		})
	}
	return nil
}

// ownerState resolves ref (of dependent dep): from the cache when it has
// the owner, else by a live read, so an owner the cache has not seen yet
// is never taken for absent. Unknown kinds count as present.
func (c *Controller) ownerState(ctx context.Context, dep metav1.Object, ref metav1.OwnerReference) (OwnerState, error) {
	oc, ok := c.graph.byKind[ref.APIVersion+"/"+ref.Kind]
	if !ok {
		return Present, nil
	}
	ns := ""
	if oc.info.Namespaced {
		if dep.GetNamespace() == "" {
			return Absent, nil // a cluster-scoped object cannot have a namespaced owner
		}
		ns = dep.GetNamespace()
	}
	if o, ok := oc.inf.Lister().Get(ns, ref.Name); ok && o.GetUID() == ref.UID {
		return StateOf(o), nil
	}
	if c.absent.has(ref.UID) {
		return Absent, nil
	}
	live, err := c.cfg.Client.Get(ctx, oc.info, ns, ref.Name)
	if apierrors.IsNotFound(err) || err == nil && live.GetUID() != ref.UID {
		c.absent.add(ref.UID)
		return Absent, nil
	}
	if err != nil {
		return Present, fmt.Errorf("reading owner %s %s/%s: %w", oc.info.Resource, ns, ref.Name, err)
	}
	return StateOf(live), nil
}

// orphan strips owner's references from its dependents, then drops the
// orphan finalizer so the owner's deletion completes.
func (c *Controller) orphan(ctx context.Context, info *api.Info, owner *unstructured.Unstructured) error {
	var errs []error
	drop := []types.UID{owner.GetUID()}
	for _, d := range c.graph.dependents(owner.GetUID()) {
		dinfo := c.graph.byResource[d.item.Resource].info
		errs = append(errs, c.updateLive(ctx, dinfo, d.obj, func(u *unstructured.Unstructured) {
			u.SetOwnerReferences(WithoutRefs(u.GetOwnerReferences(), drop))
		}))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	c.cfg.Logger.Info("orphaned dependents", "resource", info.Resource, "namespace", owner.GetNamespace(), "name", owner.GetName())
	return c.removeFinalizer(ctx, info, owner, FinalizerOrphan)
}

// foreground queues owner's dependents for deletion and drops the
// foregroundDeletion finalizer once none blocks it any more.
func (c *Controller) foreground(ctx context.Context, info *api.Info, owner *unstructured.Unstructured) error {
	blocking := 0
	for _, d := range c.graph.dependents(owner.GetUID()) {
		if Blocking(d.obj, owner.GetUID()) {
			blocking++
		}
		if d.obj.GetDeletionTimestamp() == nil {
			c.queue.Add(d.item)
		}
	}
	if blocking > 0 {
		return nil // their deletions requeue the owner
	}
	return c.removeFinalizer(ctx, info, owner, FinalizerForeground)
}

func (c *Controller) removeFinalizer(ctx context.Context, info *api.Info, obj *unstructured.Unstructured, f string) error {
	return c.updateLive(ctx, info, obj, func(u *unstructured.Unstructured) {
		u.SetFinalizers(slices.DeleteFunc(u.GetFinalizers(), func(x string) bool { return x == f }))
	})
}

// updateLive applies mutate to the live object (if it is still the one
// cached) and writes it back; a conflict is returned for a retry.
func (c *Controller) updateLive(ctx context.Context, info *api.Info, cached metav1.Object, mutate func(*unstructured.Unstructured)) error {
	live, err := c.cfg.Client.Get(ctx, info, cached.GetNamespace(), cached.GetName())
	if apierrors.IsNotFound(err) || err == nil && live.GetUID() != cached.GetUID() {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s %s/%s: %w", info.Resource, cached.GetNamespace(), cached.GetName(), err)
	}
	mutate(live)
	if err := c.cfg.Client.Update(ctx, info, live); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("updating %s %s/%s: %w", info.Resource, cached.GetNamespace(), cached.GetName(), err)
	}
	return nil
}
