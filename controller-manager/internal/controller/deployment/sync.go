package deployment

import (
	"context"
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/wharfhq/wharf/proto/informer"
)

// sync reconciles one Deployment: claim its ReplicaSets, then run the
// step of its strategy that is due, then write its status.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name := informer.SplitKey(key)
	cached, ok := c.cfg.Deployments.Lister().Get(ns, name)
	if !ok {
		return nil
	}
	d := cached.DeepCopy()
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil || sel.Empty() {
		c.cfg.Logger.Info("deployment has an invalid or empty selector, not syncing", "key", key, "err", err)
		return nil // permanent until the object changes
	}
	rss, err := c.claim(ctx, d, sel)
	if err != nil {
		return err
	}
	switch {
	case d.DeletionTimestamp != nil:
		newRS, old := splitReplicaSets(d, rss)
		return c.syncStatus(ctx, d, append(old, newRS), newRS)
	case d.Spec.Paused || isScalingEvent(d, rss):
		return c.syncScale(ctx, d, rss)
	case !isRolling(d):
		return c.rolloutRecreate(ctx, d, rss)
	default:
		return c.rolloutRolling(ctx, d, rss)
	}
}

// claim returns the ReplicaSets d controls, adopting matching orphans and
// releasing owned ones that no longer match.
func (c *Controller) claim(ctx context.Context, d *appsv1.Deployment, sel labels.Selector) ([]*appsv1.ReplicaSet, error) {
	var owned []*appsv1.ReplicaSet
	for _, rs := range c.cfg.ReplicaSets.Lister().ByNamespace(d.Namespace) {
		ref := metav1.GetControllerOf(rs)
		matches := sel.Matches(labels.Set(rs.Labels))
		switch {
		case ref != nil && ref.UID == d.UID && matches:
			owned = append(owned, rs)
		case ref != nil && ref.UID == d.UID:
			cp := rs.DeepCopy()
			cp.OwnerReferences = nil
			for _, r := range rs.OwnerReferences {
				if r.UID != d.UID {
					cp.OwnerReferences = append(cp.OwnerReferences, r)
				}
			}
			if _, err := c.cfg.RSControl.UpdateReplicaSet(ctx, cp); err != nil && !apierrors.IsNotFound(err) {
				return nil, fmt.Errorf("releasing replica set %s: %w", rs.Name, err)
			}
		case ref == nil && matches && rs.DeletionTimestamp == nil && d.DeletionTimestamp == nil:
			cp := rs.DeepCopy()
			t := true
			cp.OwnerReferences = append(cp.OwnerReferences, metav1.OwnerReference{
				APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID, Controller: &t, BlockOwnerDeletion: &t,
			})
			adopted, err := c.cfg.RSControl.UpdateReplicaSet(ctx, cp)
			if err != nil {
				return nil, fmt.Errorf("adopting replica set %s: %w", rs.Name, err)
			}
			owned = append(owned, adopted)
		}
	}
	return owned, nil
}

// splitReplicaSets finds the new ReplicaSet (the oldest whose template
// equals d's) among rss; the rest are old.
func splitReplicaSets(d *appsv1.Deployment, rss []*appsv1.ReplicaSet) (*appsv1.ReplicaSet, []*appsv1.ReplicaSet) {
	sorted := append([]*appsv1.ReplicaSet(nil), rss...)
	byCreation(sorted)
	var newRS *appsv1.ReplicaSet
	var old []*appsv1.ReplicaSet
	for _, rs := range sorted {
		if newRS == nil && equalIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
			newRS = rs
			continue
		}
		old = append(old, rs)
	}
	return newRS, old
}

func maxRevision(rss []*appsv1.ReplicaSet) int64 {
	var m int64
	for _, rs := range rss {
		m = max(m, revision(rs))
	}
	return m
}

// ensureNewRS returns the new and old ReplicaSets, creating the new one
// when create is set, giving it the highest revision (a rollback bumps an
// old ReplicaSet's), and copying that revision onto d.
func (c *Controller) ensureNewRS(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet, create bool) (*appsv1.Deployment, *appsv1.ReplicaSet, []*appsv1.ReplicaSet, error) {
	newRS, old := splitReplicaSets(d, rss)
	rev := maxRevision(old) + 1
	var err error
	switch {
	case newRS != nil && revision(newRS) < rev:
		cp := newRS.DeepCopy()
		setReplicaAnnotations(cp, d)
		cp.Annotations[RevisionAnnotation] = strconv.FormatInt(rev, 10)
		if newRS, err = c.cfg.RSControl.UpdateReplicaSet(ctx, cp); err != nil {
			return d, nil, nil, fmt.Errorf("bumping revision of replica set %s: %w", cp.Name, err)
		}
	case newRS != nil:
		rev = revision(newRS)
	case !create:
		return d, nil, old, nil
	default:
		if newRS, err = c.createNewRS(ctx, d, old, rev); err != nil {
			return d, nil, nil, err
		}
	}
	if d.Annotations[RevisionAnnotation] != strconv.FormatInt(rev, 10) {
		cp := d.DeepCopy()
		if cp.Annotations == nil {
			cp.Annotations = map[string]string{}
		}
		cp.Annotations[RevisionAnnotation] = strconv.FormatInt(rev, 10)
		if d, err = c.cfg.DControl.UpdateDeployment(ctx, cp); err != nil {
			return cp, nil, nil, fmt.Errorf("setting revision of deployment %s: %w", cp.Name, err)
		}
	}
	return d, newRS, old, nil
}

// createNewRS creates <deployment>-<hash>. A name taken by a ReplicaSet
// with another template is a hash collision: bump status.collisionCount
// and retry (the next hash differs).
func (c *Controller) createNewRS(ctx context.Context, d *appsv1.Deployment, old []*appsv1.ReplicaSet, rev int64) (*appsv1.ReplicaSet, error) {
	hash := ComputeHash(&d.Spec.Template, d.Status.CollisionCount)
	want := newRSReplicas(d, old, nil)
	rs := newReplicaSetFor(d, hash, want, rev)
	created, err := c.cfg.RSControl.CreateReplicaSet(ctx, rs)
	if apierrors.IsAlreadyExists(err) {
		if existing, ok := c.cfg.ReplicaSets.Lister().Get(rs.Namespace, rs.Name); ok &&
			equalIgnoreHash(&existing.Spec.Template, &d.Spec.Template) {
			return nil, fmt.Errorf("replica set %s exists but is not yet claimed: %w", rs.Name, err)
		}
		cp := d.DeepCopy()
		n := int32(1)
		if cp.Status.CollisionCount != nil {
			n = *cp.Status.CollisionCount + 1
		}
		cp.Status.CollisionCount = &n
		if _, uerr := c.cfg.DControl.UpdateDeploymentStatus(ctx, cp); uerr != nil {
			return nil, fmt.Errorf("recording hash collision of %s: %w", rs.Name, uerr)
		}
		return nil, fmt.Errorf("hash collision on replica set %s: %w", rs.Name, err)
	}
	if err != nil {
		return nil, fmt.Errorf("creating replica set %s: %w", rs.Name, err)
	}
	if want > 0 {
		c.cfg.Recorder.Event(d, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled up replica set %s to %d", rs.Name, want)
	}
	return created, nil
}
