package daemonset

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
	"k8s.io/apimachinery/pkg/labels"

	"github.com/wharfhq/wharf/proto/informer"
)

// sync reconciles one DaemonSet: plan pods per node, carry the plan out
// when no earlier writes are in flight, write status.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name := informer.SplitKey(key)
	cached, ok := c.cfg.DaemonSets.Lister().Get(ns, name)
	if !ok {
		c.exp.Forget(key)
		return nil
	}
	ds := cached.DeepCopy()
	// Expectations before the pod cache (see package expectations).
	needsApply := c.exp.Satisfied(key) && ds.DeletionTimestamp == nil
	var pods []*corev1.Pod
	for _, p := range c.cfg.Pods.Lister().ByNamespace(ns) {
		if ref := metav1.GetControllerOf(p); ref != nil && ref.UID == ds.UID {
			pods = append(pods, p)
		}
	}
	now := c.cfg.Now()
	hash := templateHash(&ds.Spec.Template)
	states, orphans := nodeStates(ds, c.cfg.Nodes.Lister().List(labels.Everything()), pods)
	var err error
	if ds.DeletionTimestamp == nil {
		inUse := map[string]bool{}
		for _, p := range pods {
			inUse[p.Labels[HashLabel]] = true
		}
		err = c.syncRevisions(ctx, ds, hash, inUse)
	}
	if needsApply {
		err = errors.Join(err, c.apply(ctx, key, ds, computePlan(ds, states, orphans, hash, now), hash))
	}
	ds.Status = computeStatus(ds, states, hash, now)
	if ds.Spec.MinReadySeconds > 0 && ds.Status.NumberReady != ds.Status.NumberAvailable {
		c.queue.AddAfter(key, secondsOf(ds.Spec.MinReadySeconds))
	}
	if apiequality.Semantic.DeepEqual(ds.Status, cached.Status) {
		return err
	}
	if _, uerr := c.cfg.Status.UpdateDaemonSetStatus(ctx, ds); uerr != nil && !apierrors.IsNotFound(uerr) {
		return errors.Join(err, fmt.Errorf("updating status of daemonset %s: %w", key, uerr))
	}
	return err
}

// apply deletes then creates pods as planned, in parallel.
func (c *Controller) apply(ctx context.Context, key string, ds *appsv1.DaemonSet, p plan, hash string) error {
	if len(p.create) == 0 && len(p.remove) == 0 {
		return nil
	}
	dels := make([]string, len(p.remove))
	for i, pod := range p.remove {
		dels[i] = informer.KeyOf(pod)
	}
	c.exp.Expect(key, len(p.create), dels)
	errs := make([]error, len(p.create)+len(p.remove))
	var wg sync.WaitGroup
	for i, pod := range p.remove {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := c.cfg.PodCtl.DeletePod(ctx, pod.Namespace, pod.Name)
			if err != nil {
				c.exp.Deleted(key, informer.KeyOf(pod))
			}
			if err != nil && !apierrors.IsNotFound(err) {
				errs[i] = fmt.Errorf("deleting pod %s: %w", pod.Name, err)
				return
			}
			c.cfg.Recorder.Event(ds, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %s", pod.Name)
		}()
	}
	for i, node := range p.create {
		wg.Add(1)
		go func() {
			defer wg.Done()
			created, err := c.cfg.PodCtl.CreatePod(ctx, newPod(ds, node, hash))
			if err != nil {
				c.exp.Created(key, 1)
				c.cfg.Recorder.Event(ds, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
				errs[len(p.remove)+i] = fmt.Errorf("creating pod for node %s: %w", node, err)
				return
			}
			c.cfg.Recorder.Event(ds, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", created.Name)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// newPod builds ds's pod for node: template labels plus the hash, the
// default daemon tolerations, and an affinity pinning it to node.
func newPod(ds *appsv1.DaemonSet, node, hash string) *corev1.Pod {
	tmpl := ds.Spec.Template.DeepCopy()
	lbls := map[string]string{HashLabel: hash}
	for k, v := range tmpl.Labels {
		lbls[k] = v
	}
	tmpl.Spec.Tolerations = withDefaultTolerations(&tmpl.Spec)
	tmpl.Spec.Affinity = pinToNode(tmpl.Spec.Affinity, node)
	t := true
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: ds.Name + "-", Namespace: ds.Namespace, Labels: lbls, Annotations: tmpl.Annotations,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "DaemonSet", Name: ds.Name, UID: ds.UID, Controller: &t, BlockOwnerDeletion: &t,
			}},
		},
		Spec: tmpl.Spec,
	}
}
