package pods

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
	"github.com/wharfhq/wharf/kubelet/internal/staticpods"
	"github.com/wharfhq/wharf/proto/client"
)

// EvictedReason is the status reason of a pod the node evicted.
const EvictedReason = "Evicted"

// ActivePods returns the pods bound to this node that are neither finished
// nor being deleted. Static and mirror pods are left out: they are
// critical and never evicted, as upstream.
func (c *Controller) ActivePods() []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range c.lister.List(labels.Everything()) {
		if p.DeletionTimestamp == nil && !isTerminal(p.Status.Phase) && !staticpods.IsMirror(p) {
			out = append(out, p)
		}
	}
	return out
}

// Evict fails pod with reason Evicted and message, then kills its
// containers (a hard eviction: no grace period). The status is written
// first and seen by the pod's worker before the kill, so the worker does
// not restart what was killed.
func (c *Controller) Evict(ctx context.Context, pod *corev1.Pod, message string) error {
	pods := client.Pods(c.cfg.Client, pod.Namespace)
	cur := pod
	for range 5 {
		cp := cur.DeepCopy()
		cp.Status.Phase, cp.Status.Reason, cp.Status.Message = corev1.PodFailed, EvictedReason, message
		_, err := pods.UpdateStatus(ctx, cp, metav1.UpdateOptions{})
		if err == nil {
			break
		}
		if !apierrors.IsConflict(err) {
			return fmt.Errorf("evict: update status: %w", err)
		}
		if cur, err = pods.Get(ctx, pod.Name, metav1.GetOptions{}); err != nil {
			return fmt.Errorf("evict: %w", err)
		}
	}
	c.event(ctx, pod, "", corev1.EventTypeWarning, EvictedReason, "%s", message)
	c.waitTerminal(ctx, pod, 5*time.Second)
	ctrs, err := c.cfg.Runtime.ListContainers(ctx, map[string]string{runtime.LabelPodUID: string(pod.UID)})
	if err != nil {
		return fmt.Errorf("evict: %w", err)
	}
	for _, ctr := range ctrs {
		if err := c.cfg.Runtime.StopContainer(ctx, ctr.ID, 0); err != nil {
			return fmt.Errorf("evict: %w", err)
		}
	}
	c.poke(pod.Namespace + "/" + pod.Name)
	return nil
}

// waitTerminal waits (at most d) until the pod cache shows pod finished.
func (c *Controller) waitTerminal(ctx context.Context, pod *corev1.Pod, d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if p, ok := c.lister.Get(pod.Namespace, pod.Name); !ok || isTerminal(p.Status.Phase) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
