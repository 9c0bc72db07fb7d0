package replication

import (
	"context"
	"errors"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/wharfhq/wharf/proto/informer"
)

// sync reconciles one owner: claim its pods, create or delete the
// difference, and write its status.
func (c *Controller[T]) sync(ctx context.Context, key string) error {
	ns, name := informer.SplitKey(key)
	owner, ok := c.cfg.Owners.Lister().Get(ns, name)
	if !ok {
		c.exp.Forget(key)
		return nil
	}
	kind := c.cfg.Kind
	sel, err := kind.Selector(owner)
	if err != nil {
		c.cfg.Logger.Info("invalid selector, not syncing", "key", key, "err", err)
		return nil // permanent until the object changes
	}
	// Expectations first, then the cache: checked afterwards, they could
	// be satisfied by events newer than the pods just listed.
	needsManage := c.exp.Satisfied(key) && owner.GetDeletionTimestamp() == nil
	pods, err := c.claim(ctx, owner, sel, c.cfg.Pods.Lister().ByNamespace(ns))
	if err != nil {
		return err
	}
	var active []*corev1.Pod
	for _, p := range pods {
		if isActive(p) {
			active = append(active, p)
		}
	}
	var manageErr error
	if needsManage {
		manageErr = c.manage(ctx, key, owner, active)
	}
	st := calculateStatus(active, kind.Template(owner).Labels, kind.MinReadySeconds(owner), owner.GetGeneration(), c.cfg.Now())
	if st != kind.Status(owner) {
		if err := kind.UpdateStatus(ctx, c.cfg.Client, owner, st); err != nil && !apierrors.IsNotFound(err) {
			return errors.Join(manageErr, fmt.Errorf("updating status of %s: %w", key, err))
		}
	}
	if manageErr == nil && st.ReadyReplicas != st.AvailableReplicas {
		c.requeueAfterMinReady(nil, key)
	}
	return manageErr
}

// claim returns the pods the owner controls after adopting matching
// orphans and releasing owned pods that no longer match.
func (c *Controller[T]) claim(ctx context.Context, owner T, sel labels.Selector, pods []*corev1.Pod) ([]*corev1.Pod, error) {
	gvk := c.cfg.Kind.GVK
	var owned []*corev1.Pod
	for _, p := range pods {
		ref := controllerRef(p)
		matches := sel.Matches(labels.Set(p.Labels))
		switch {
		case ref != nil && ref.UID == owner.GetUID():
			if matches || p.DeletionTimestamp != nil {
				owned = append(owned, p)
				continue
			}
			err := c.cfg.PodCtl.PatchPod(ctx, p.Namespace, p.Name, releasePatch(owner.GetUID(), p.UID))
			if err != nil && !apierrors.IsNotFound(err) {
				return nil, fmt.Errorf("releasing pod %s: %w", p.Name, err)
			}
		case ref == nil && matches && p.DeletionTimestamp == nil && owner.GetDeletionTimestamp() == nil:
			err := c.cfg.PodCtl.PatchPod(ctx, p.Namespace, p.Name, adoptPatch(owner, gvk.GroupVersion().String(), gvk.Kind, p.UID))
			if apierrors.IsNotFound(err) || apierrors.IsConflict(err) || apierrors.IsInvalid(err) {
				continue // gone or changed meanwhile; the next sync sees it
			}
			if err != nil {
				return nil, fmt.Errorf("adopting pod %s: %w", p.Name, err)
			}
			owned = append(owned, p)
		}
	}
	return owned, nil
}

// manage creates or deletes pods so that len(active) == replicas, at most
// BurstReplicas per sync.
func (c *Controller[T]) manage(ctx context.Context, key string, owner T, active []*corev1.Pod) error {
	diff := len(active) - int(c.cfg.Kind.Replicas(owner))
	switch {
	case diff < 0:
		n := min(-diff, c.cfg.BurstReplicas)
		c.exp.Expect(key, n, nil)
		created, err := slowStartBatch(n, func() error { return c.createPod(ctx, owner) })
		if skipped := n - created; skipped > 0 {
			c.exp.Created(key, skipped)
		}
		return err
	case diff > 0:
		n := min(diff, c.cfg.BurstReplicas)
		victims := append([]*corev1.Pod(nil), active...)
		rankForDeletion(victims)
		victims = victims[:n]
		keys := make([]string, len(victims))
		for i, p := range victims {
			keys[i] = informer.KeyOf(p)
		}
		c.exp.Expect(key, 0, keys)
		return c.deletePods(ctx, key, owner, victims)
	}
	return nil
}

func (c *Controller[T]) createPod(ctx context.Context, owner T) error {
	gvk := c.cfg.Kind.GVK
	pod := newPod(owner, gvk.GroupVersion().String(), gvk.Kind, c.cfg.Kind.Template(owner))
	created, err := c.cfg.PodCtl.CreatePod(ctx, pod)
	if err != nil {
		c.cfg.Recorder.Event(owner, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
		return err
	}
	c.cfg.Recorder.Event(owner, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", created.Name)
	return nil
}

func (c *Controller[T]) deletePods(ctx context.Context, key string, owner T, victims []*corev1.Pod) error {
	var wg sync.WaitGroup
	errs := make([]error, len(victims))
	for i, p := range victims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := c.cfg.PodCtl.DeletePod(ctx, p.Namespace, p.Name)
			if err != nil {
				// The informer will not show this deletion (failed), or
				// may never (already gone): stop waiting for it.
				c.exp.Deleted(key, informer.KeyOf(p))
			}
			if err != nil && !apierrors.IsNotFound(err) {
				c.cfg.Recorder.Event(owner, corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
				errs[i] = fmt.Errorf("deleting pod %s: %w", p.Name, err)
				return
			}
			c.cfg.Recorder.Event(owner, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %s", p.Name)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// slowStartBatch calls fn count times in batches of 1, 2, 4, ... running
// each batch in parallel and stopping after a batch with an error, as
// upstream does so that a failing create (e.g. quota) fails fast. It
// returns how many calls succeeded.
func slowStartBatch(count int, fn func() error) (int, error) {
	done := 0
	for batch := 1; done < count; batch *= 2 {
		size := min(batch, count-done)
		errs := make([]error, size)
		var wg sync.WaitGroup
		for i := 0; i < size; i++ {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = fn() }()
		}
		wg.Wait()
		for _, err := range errs {
			if err == nil {
				done++
			}
		}
		if err := errors.Join(errs...); err != nil {
			return done, err
		}
	}
	return done, nil
}
