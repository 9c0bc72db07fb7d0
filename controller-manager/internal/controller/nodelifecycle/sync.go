package nodelifecycle

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// sync marks a silent node Unknown, sets its taints from its Ready
// condition and evicts the pods whose tolerations of its NoExecute taints
// have expired.
func (c *Controller) sync(ctx context.Context, name string) error {
	cached, ok := c.cfg.Nodes.Lister().Get("", name)
	if !ok {
		c.beats.forget(name)
		return nil
	}
	now := c.cfg.Now()
	lease, _ := c.cfg.Leases.Lister().Get(LeaseNamespace, name)
	seen := c.beats.observe(name, Probe(cached, lease), now)
	node := cached
	if now.Sub(seen) > c.cfg.GracePeriod {
		cp := cached.DeepCopy()
		if MarkUnknown(cp, now) {
			upd, err := c.cfg.Writer.UpdateNodeStatus(ctx, cp)
			if err != nil {
				return fmt.Errorf("marking node %s unknown: %w", name, err)
			}
			c.cfg.Logger.Info("node stopped posting status", "node", name, "lastHeartbeatSeen", seen)
			c.cfg.Recorder.Event(upd, corev1.EventTypeNormal, "NodeNotReady", "Node %s status is now: NodeNotReady", name)
			node = upd
		}
	}
	want := DesiredTaints(node, now)
	if !SameTaints(want, node.Spec.Taints) {
		cp := node.DeepCopy()
		cp.Spec.Taints = want
		upd, err := c.cfg.Writer.UpdateNode(ctx, cp)
		if err != nil {
			return fmt.Errorf("updating taints of node %s: %w", name, err)
		}
		c.cfg.Logger.Info("node taints changed", "node", name, "taints", len(want))
		node = upd
	}
	return c.evict(ctx, node, now)
}

// evict deletes the node's pods whose toleration time is over and
// schedules another look at the earliest future eviction.
func (c *Controller) evict(ctx context.Context, node *corev1.Node, now time.Time) error {
	noExecute := false
	for _, t := range node.Spec.Taints {
		noExecute = noExecute || t.Effect == corev1.TaintEffectNoExecute
	}
	if !noExecute {
		return nil
	}
	var next time.Time
	var errs []error
	for _, p := range c.cfg.Pods.Lister().List(nil) {
		if p.Spec.NodeName != node.Name || p.DeletionTimestamp != nil {
			continue
		}
		at, ok := EvictionTime(p, node.Spec.Taints, c.cfg.DefaultTolerationSeconds)
		if !ok {
			continue
		}
		if at.After(now) {
			if next.IsZero() || at.Before(next) {
				next = at
			}
			continue
		}
		if err := c.cfg.Writer.DeletePod(ctx, p); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			errs = append(errs, fmt.Errorf("evicting pod %s/%s: %w", p.Namespace, p.Name, err))
			continue
		}
		c.cfg.Logger.Info("evicted pod from tainted node", "node", node.Name, "pod", p.Namespace+"/"+p.Name)
		c.cfg.Recorder.Event(p, corev1.EventTypeNormal, "TaintManagerEviction", "Marking for deletion Pod %s/%s", p.Namespace, p.Name)
	}
	if !next.IsZero() {
		c.queue.AddAfter(node.Name, next.Sub(now))
	}
	return errors.Join(errs...)
}
