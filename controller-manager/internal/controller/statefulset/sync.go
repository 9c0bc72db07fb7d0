package statefulset

import (
	"context"
	"errors"
	"fmt"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/informer"
)

// sync reconciles one StatefulSet. Pod names are fixed, so a create the
// cache has not seen yet comes back AlreadyExists rather than doubling a
// pod: no expectations are needed.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name := informer.SplitKey(key)
	cached, ok := c.cfg.StatefulSets.Lister().Get(ns, name)
	if !ok {
		return nil
	}
	set := cached.DeepCopy()
	pods := map[int]*corev1.Pod{}
	for _, p := range c.cfg.Pods.Lister().ByNamespace(ns) {
		if ref := metav1.GetControllerOf(p); ref != nil && ref.UID == set.UID {
			if ord := ordinalOf(set, p.Name); ord >= 0 {
				pods[ord] = p
			}
		}
	}
	rev := revisionOf(set)
	var err error
	if set.DeletionTimestamp == nil {
		err = c.apply(ctx, set, computePlan(set, pods, rev), rev)
	}
	set.Status = computeStatus(set, pods, rev)
	if apiequality.Semantic.DeepEqual(set.Status, cached.Status) {
		return err
	}
	if _, uerr := c.cfg.Status.UpdateStatefulSetStatus(ctx, set); uerr != nil && !apierrors.IsNotFound(uerr) {
		return errors.Join(err, fmt.Errorf("updating status of statefulset %s: %w", key, uerr))
	}
	return err
}

// apply carries the actions out in parallel (OrderedReady plans hold at
// most one).
func (c *Controller) apply(ctx context.Context, set *appsv1.StatefulSet, actions []action, rev string) error {
	errs := make([]error, len(actions))
	var wg sync.WaitGroup
	for i, a := range actions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if a.victim != nil {
				errs[i] = c.deletePod(ctx, set, a.victim, a.explain)
				return
			}
			errs[i] = c.createPod(ctx, set, a.create, rev)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (c *Controller) createPod(ctx context.Context, set *appsv1.StatefulSet, ordinal int, rev string) error {
	for _, pvc := range newClaims(set, ordinal) {
		if _, ok := c.cfg.Claims.Lister().Get(pvc.Namespace, pvc.Name); ok {
			continue
		}
		if err := c.cfg.Control.CreateClaim(ctx, pvc); err != nil && !apierrors.IsAlreadyExists(err) {
			c.cfg.Recorder.Event(set, corev1.EventTypeWarning, "FailedCreate", "create Claim %s for Pod %s-%d in StatefulSet %s failed error: %v", pvc.Name, set.Name, ordinal, set.Name, err)
			return fmt.Errorf("creating claim %s: %w", pvc.Name, err)
		}
		c.cfg.Recorder.Event(set, corev1.EventTypeNormal, "SuccessfulCreate", "create Claim %s Pod %s-%d in StatefulSet %s success", pvc.Name, set.Name, ordinal, set.Name)
	}
	pod := newPod(set, ordinal, rev)
	_, err := c.cfg.Control.CreatePod(ctx, pod)
	switch {
	case apierrors.IsAlreadyExists(err):
		return nil // the cache is behind
	case err != nil:
		c.cfg.Recorder.Event(set, corev1.EventTypeWarning, "FailedCreate", "create Pod %s in StatefulSet %s failed error: %v", pod.Name, set.Name, err)
		return fmt.Errorf("creating pod %s: %w", pod.Name, err)
	}
	c.cfg.Recorder.Event(set, corev1.EventTypeNormal, "SuccessfulCreate", "create Pod %s in StatefulSet %s successful", pod.Name, set.Name)
	return nil
}

func (c *Controller) deletePod(ctx context.Context, set *appsv1.StatefulSet, p *corev1.Pod, why string) error {
	if err := c.cfg.Control.DeletePod(ctx, p.Namespace, p.Name, p.UID); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		c.cfg.Recorder.Event(set, corev1.EventTypeWarning, "FailedDelete", "delete Pod %s in StatefulSet %s failed error: %v", p.Name, set.Name, err)
		return fmt.Errorf("deleting pod %s (%s): %w", p.Name, why, err)
	}
	c.cfg.Recorder.Event(set, corev1.EventTypeNormal, "SuccessfulDelete", "delete Pod %s in StatefulSet %s successful", p.Name, set.Name)
	return nil
}
