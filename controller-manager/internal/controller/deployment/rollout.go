package deployment

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/wharfhq/wharf/proto/informer"
)

// rolloutRolling runs one step of a rolling update: grow the new
// ReplicaSet within maxSurge, else shrink old ones within maxUnavailable,
// else (done) prune history.
func (c *Controller) rolloutRolling(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet) error {
	d, newRS, old, err := c.ensureNewRS(ctx, d, rss, true)
	if err != nil {
		return err
	}
	all := append(append([]*appsv1.ReplicaSet(nil), old...), newRS)
	want := newRSReplicas(d, all, newRS)
	if specOf(newRS) > replicasOf(d) {
		want = replicasOf(d)
	}
	if want != specOf(newRS) {
		if _, err := c.scaleRS(ctx, d, newRS, want); err != nil {
			return err
		}
		return c.syncStatus(ctx, d, all, newRS)
	}
	scaled, err := c.applyTargets(ctx, d, old, planOldScaleDown(d, old, newRS))
	if err != nil || scaled {
		return errors.Join(err, c.syncStatus(ctx, d, all, newRS))
	}
	if err := c.cleanup(ctx, d, old); err != nil {
		return err
	}
	return c.syncStatus(ctx, d, all, newRS)
}

// rolloutRecreate scales every old ReplicaSet to zero, waits until their
// pods are gone, then scales the new one up.
func (c *Controller) rolloutRecreate(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet) error {
	d, newRS, old, err := c.ensureNewRS(ctx, d, rss, false)
	if err != nil {
		return err
	}
	all := append(append([]*appsv1.ReplicaSet(nil), old...), newRS)
	zero := map[string]int32{}
	running := false
	for _, rs := range old {
		zero[rs.Name] = 0
		running = running || rs.Status.Replicas > 0 || rs.Status.ObservedGeneration < rs.Generation
	}
	if scaled, err := c.applyTargets(ctx, d, old, zero); err != nil || scaled || running {
		return errors.Join(err, c.syncStatus(ctx, d, all, newRS))
	}
	if newRS == nil {
		if d, newRS, old, err = c.ensureNewRS(ctx, d, rss, true); err != nil {
			return err
		}
	}
	all = append(append([]*appsv1.ReplicaSet(nil), old...), newRS)
	if specOf(newRS) != replicasOf(d) {
		if newRS, err = c.scaleRS(ctx, d, newRS, replicasOf(d)); err != nil {
			return err
		}
	}
	if err := c.cleanup(ctx, d, old); err != nil {
		return err
	}
	return c.syncStatus(ctx, d, all, newRS)
}

// syncScale handles paused Deployments and changes of spec.replicas:
// resize the existing ReplicaSets without rolling anything out.
func (c *Controller) syncScale(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet) error {
	d, newRS, old, err := c.ensureNewRS(ctx, d, rss, false)
	if err != nil {
		return err
	}
	all := old
	if newRS != nil {
		all = append(append([]*appsv1.ReplicaSet(nil), old...), newRS)
	}
	if _, err := c.applyTargets(ctx, d, all, planScale(d, newRS, old)); err != nil {
		return err
	}
	for _, rs := range all { // record the new size on the rest
		if cp := rs.DeepCopy(); specOf(rs) > 0 && setReplicaAnnotations(cp, d) {
			if _, err := c.cfg.RSControl.UpdateReplicaSet(ctx, cp); err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("annotating replica set %s: %w", rs.Name, err)
			}
		}
	}
	if d.Spec.Paused {
		if err := c.cleanup(ctx, d, old); err != nil {
			return err
		}
	}
	return c.syncStatus(ctx, d, all, newRS)
}

// applyTargets scales the ReplicaSets named in targets; it reports
// whether any changed.
func (c *Controller) applyTargets(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet, targets map[string]int32) (bool, error) {
	scaled := false
	for _, rs := range rss {
		if t, ok := targets[rs.Name]; ok && t != specOf(rs) {
			if _, err := c.scaleRS(ctx, d, rs, t); err != nil {
				return scaled, err
			}
			scaled = true
		}
	}
	return scaled, nil
}

// scaleRS sets rs's spec.replicas (and size annotations) and records a
// ScalingReplicaSet event.
func (c *Controller) scaleRS(ctx context.Context, d *appsv1.Deployment, rs *appsv1.ReplicaSet, n int32) (*appsv1.ReplicaSet, error) {
	cp := rs.DeepCopy()
	setReplicaAnnotations(cp, d)
	cp.Spec.Replicas = &n
	out, err := c.cfg.RSControl.UpdateReplicaSet(ctx, cp)
	if err != nil {
		return nil, fmt.Errorf("scaling replica set %s to %d: %w", rs.Name, n, err)
	}
	dir := "up"
	if n < specOf(rs) {
		dir = "down"
	}
	c.cfg.Recorder.Event(d, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled %s replica set %s to %d", dir, rs.Name, n)
	return out, nil
}

// cleanup deletes the oldest empty old ReplicaSets beyond
// revisionHistoryLimit.
func (c *Controller) cleanup(ctx context.Context, d *appsv1.Deployment, old []*appsv1.ReplicaSet) error {
	if d.Spec.RevisionHistoryLimit == nil {
		return nil
	}
	var empty []*appsv1.ReplicaSet
	for _, rs := range old {
		if specOf(rs) == 0 && rs.Status.Replicas == 0 && rs.DeletionTimestamp == nil && rs.Status.ObservedGeneration >= rs.Generation {
			empty = append(empty, rs)
		}
	}
	extra := len(empty) - int(*d.Spec.RevisionHistoryLimit)
	if extra <= 0 {
		return nil
	}
	sort.SliceStable(empty, func(i, j int) bool { return revision(empty[i]) < revision(empty[j]) })
	for _, rs := range empty[:extra] {
		if err := c.cfg.RSControl.DeleteReplicaSet(ctx, rs.Namespace, rs.Name); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting old replica set %s: %w", rs.Name, err)
		}
	}
	return nil
}

// syncStatus writes d's status when it changed, and schedules a re-check
// at the progress deadline while a rollout is under way.
func (c *Controller) syncStatus(ctx context.Context, d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) error {
	var rss []*appsv1.ReplicaSet
	for _, rs := range all {
		if rs != nil {
			rss = append(rss, rs)
		}
	}
	now := c.cfg.Now()
	st := calculateStatus(d, rss, newRS, now)
	prog := getCondition(d.Status, appsv1.DeploymentProgressing)
	switch {
	case d.Spec.Paused:
		setCondition(&st, newCondition(appsv1.DeploymentProgressing, corev1.ConditionUnknown, ReasonPaused, "Deployment is paused", now))
	case prog != nil && prog.Reason == ReasonPaused:
		setCondition(&st, newCondition(appsv1.DeploymentProgressing, corev1.ConditionUnknown, ReasonResumed, "Deployment is resumed", now))
	default:
		if cond := progressCondition(d, &st, newRS, now); cond != nil {
			setCondition(&st, cond)
		}
	}
	if !d.Spec.Paused && !complete(d, &st) && d.Spec.ProgressDeadlineSeconds != nil {
		c.queue.AddAfter(informer.KeyOf(d), time.Duration(*d.Spec.ProgressDeadlineSeconds)*time.Second+time.Second)
	}
	if apiequality.Semantic.DeepEqual(st, d.Status) {
		return nil
	}
	cp := d.DeepCopy()
	cp.Status = st
	if _, err := c.cfg.DControl.UpdateDeploymentStatus(ctx, cp); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("updating status of deployment %s: %w", d.Name, err)
	}
	return nil
}
