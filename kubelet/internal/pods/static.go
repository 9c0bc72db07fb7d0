package pods

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/wharfhq/wharf/kubelet/internal/staticpods"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
)

// SetStaticPods replaces the set of static pods (package staticpods) and
// wakes the workers of every pod that appeared, changed or went. The
// first call also lets housekeeping and orphaned-mirror deletion start
// (they must not run before the kubelet knows its static pods).
func (c *Controller) SetStaticPods(pods []*corev1.Pod) {
	next := make(map[string]*corev1.Pod, len(pods))
	for _, p := range pods {
		next[informer.KeyOf(p)] = p
	}
	c.mu.Lock()
	var keys []string
	for k, p := range next {
		if old, ok := c.static[k]; !ok || old.UID != p.UID {
			keys = append(keys, k)
		}
	}
	for k := range c.static {
		if _, ok := next[k]; !ok {
			keys = append(keys, k)
		}
	}
	first := !c.staticReady
	c.static, c.staticReady = next, true
	started := c.runCtx != nil
	c.mu.Unlock()
	if first {
		for _, p := range c.lister.List(labels.Everything()) {
			if staticpods.IsMirror(p) {
				keys = append(keys, informer.KeyOf(p))
			}
		}
	}
	if started {
		for _, k := range keys {
			c.poke(k)
		}
	}
}

// staticKeys returns the keys of the static pods (Run pokes them first).
func (c *Controller) staticKeys() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make([]string, 0, len(c.static))
	for k := range c.static {
		keys = append(keys, k)
	}
	return keys
}

// staticKnown reports whether the static pods are known (always, without
// a static pod source).
func (c *Controller) staticKnown() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.staticReady
}

// podFor returns the pod the kubelet runs under key ns/name: the static
// pod, else the API pod unless it is a mirror pod.
func (c *Controller) podFor(ns, name string) (pod *corev1.Pod, static, ok bool) {
	c.mu.Lock()
	p, ok := c.static[ns+"/"+name]
	c.mu.Unlock()
	if ok {
		return p, true, true
	}
	p, ok = c.lister.Get(ns, name)
	if !ok || staticpods.IsMirror(p) {
		return nil, false, false
	}
	return p, false, true
}

// allPods returns the static pods and the API pods bound here, without
// mirror pods.
func (c *Controller) allPods() []*corev1.Pod {
	c.mu.Lock()
	out := make([]*corev1.Pod, 0, len(c.static))
	for _, p := range c.static {
		out = append(out, p)
	}
	c.mu.Unlock()
	for _, p := range c.lister.List(labels.Everything()) {
		if !staticpods.IsMirror(p) {
			out = append(out, p)
		}
	}
	return out
}

// syncMirror makes the API hold an up-to-date mirror of static pod (whose
// Status is the one just computed), as upstream: a mirror being deleted
// or of an older manifest is deleted and created anew. It does nothing
// until the pod cache is synced.
func (c *Controller) syncMirror(ctx context.Context, pod *corev1.Pod) error {
	if !c.informer.HasSynced() {
		return nil
	}
	pods := client.Pods(c.cfg.Client, pod.Namespace)
	mirror, ok := c.lister.Get(pod.Namespace, pod.Name)
	if ok && !staticpods.IsMirror(mirror) {
		return fmt.Errorf("mirror pod: name %s/%s is taken by a pod of the API", pod.Namespace, pod.Name)
	}
	if ok && (mirror.DeletionTimestamp != nil || !staticpods.IsMirrorOf(mirror, pod)) {
		if err := c.deleteMirror(ctx, mirror); err != nil {
			return err
		}
		ok = false
	}
	if !ok {
		created, err := c.createMirror(ctx, pod)
		if err != nil || created == nil {
			return err
		}
		mirror = created
	}
	if !statusChanged(mirror.Status, pod.Status) {
		return nil
	}
	cp := mirror.DeepCopy()
	cp.Status = pod.Status
	if _, err := pods.UpdateStatus(ctx, cp, metav1.UpdateOptions{}); err != nil && !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
		return fmt.Errorf("mirror pod status: %w", err)
	}
	return nil
}

// createMirror creates pod's mirror, owned by the Node; nil when the node
// is gone or being deleted.
func (c *Controller) createMirror(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, error) {
	n, err := client.Nodes(c.cfg.Client).Get(ctx, c.cfg.NodeName, metav1.GetOptions{})
	if err != nil || n.DeletionTimestamp != nil {
		return nil, nil //nolint:nilerr // upstream: no mirror pods without a live Node
	}
	m := &corev1.Pod{ObjectMeta: *pod.ObjectMeta.DeepCopy(), Spec: *pod.Spec.DeepCopy()}
	m.UID, m.ResourceVersion = "", ""
	m.Annotations[staticpods.AnnotationMirror] = pod.Annotations[staticpods.AnnotationHash]
	yes := true
	m.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: n.Name, UID: n.UID, Controller: &yes}}
	created, err := client.Pods(c.cfg.Client, pod.Namespace).Create(ctx, m, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil, nil // the cache will show it; the next sync looks again
	}
	if err != nil {
		return nil, fmt.Errorf("create mirror pod: %w", err)
	}
	c.cfg.Log.InfoContext(ctx, "created mirror pod", "pod", pod.Namespace+"/"+pod.Name, "hash", pod.Annotations[staticpods.AnnotationHash])
	return created, nil
}

// deleteMirror deletes a mirror pod at once (grace 0, this UID only).
func (c *Controller) deleteMirror(ctx context.Context, mirror *corev1.Pod) error {
	zero := int64(0)
	uid := mirror.UID
	err := client.Pods(c.cfg.Client, mirror.Namespace).Delete(ctx, mirror.Name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &uid},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("delete mirror pod: %w", err)
	}
	c.cfg.Log.InfoContext(ctx, "deleted mirror pod", "pod", mirror.Namespace+"/"+mirror.Name)
	return nil
}

// deleteOrphanedMirror deletes the mirror pod under ns/name, whose static
// pod is gone. It reports false when it must be retried.
func (c *Controller) deleteOrphanedMirror(ctx context.Context, ns, name string) bool {
	if !c.staticKnown() {
		return true // SetStaticPods pokes every mirror once it knows
	}
	mirror, ok := c.lister.Get(ns, name)
	if !ok || !staticpods.IsMirror(mirror) {
		return true
	}
	if err := c.deleteMirror(ctx, mirror); err != nil {
		c.cfg.Log.WarnContext(ctx, "orphaned mirror pod", "pod", ns+"/"+name, "err", err)
		return false
	}
	return true
}
