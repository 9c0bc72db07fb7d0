package job

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/informer"
)

// sync reconciles one Job: count its pods, finish it or run pods toward
// parallelism, and write its status.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name := informer.SplitKey(key)
	cached, ok := c.cfg.Jobs.Lister().Get(ns, name)
	if !ok {
		c.exp.Forget(key)
		return nil
	}
	j := cached.DeepCopy()
	if at, done := finishedAt(j); done {
		return c.syncTTL(ctx, key, j, at)
	}
	if j.DeletionTimestamp != nil {
		return nil
	}
	now := c.cfg.Now()
	if j.Status.StartTime == nil && (j.Spec.Suspend == nil || !*j.Spec.Suspend) {
		t := metav1.NewTime(now)
		j.Status.StartTime = &t
	}
	satisfied := c.exp.Satisfied(key) // before the pod cache (see package expectations)
	cnt := countPods(c.ownedPods(j))
	cnt.succeeded, cnt.failed = max(cnt.succeeded, cached.Status.Succeeded), max(cnt.failed, cached.Status.Failed)
	var err error
	v := judge(j, cnt, now)
	switch {
	case v != nil:
		err = c.finish(ctx, key, j, cnt, v, now)
		cnt.active, cnt.ready = nil, 0
	case satisfied:
		err = c.manage(ctx, key, j, cnt, now)
	}
	if ads := j.Spec.ActiveDeadlineSeconds; v == nil && ads != nil && j.Status.StartTime != nil {
		c.queue.AddAfter(key, j.Status.StartTime.Add(time.Duration(*ads)*time.Second).Sub(now))
	}
	ready := cnt.ready
	j.Status.Active, j.Status.Ready, j.Status.Succeeded, j.Status.Failed = int32(len(cnt.active)), &ready, cnt.succeeded, cnt.failed
	if apiequality.Semantic.DeepEqual(j.Status, cached.Status) {
		return err
	}
	if _, uerr := c.cfg.JobCtl.UpdateJobStatus(ctx, j); uerr != nil && !apierrors.IsNotFound(uerr) {
		return errors.Join(err, fmt.Errorf("updating status of job %s: %w", key, uerr))
	}
	return err
}

// finishedAt reports whether j has a true Complete or Failed condition,
// and when it finished.
func finishedAt(j *batchv1.Job) (time.Time, bool) {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			if j.Status.CompletionTime != nil {
				return j.Status.CompletionTime.Time, true
			}
			return c.LastTransitionTime.Time, true
		}
	}
	return time.Time{}, false
}

// syncTTL deletes a finished Job whose ttlSecondsAfterFinished passed, or
// checks again when it will have.
func (c *Controller) syncTTL(ctx context.Context, key string, j *batchv1.Job, at time.Time) error {
	if j.Spec.TTLSecondsAfterFinished == nil || j.DeletionTimestamp != nil {
		return nil
	}
	expiry := at.Add(time.Duration(*j.Spec.TTLSecondsAfterFinished) * time.Second)
	if wait := expiry.Sub(c.cfg.Now()); wait > 0 {
		c.queue.AddAfter(key, wait)
		return nil
	}
	c.cfg.Logger.Info("deleting finished job past its TTL", "key", key)
	if err := c.cfg.JobCtl.DeleteJob(ctx, j.Namespace, j.Name, string(j.UID)); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("deleting expired job %s: %w", key, err)
	}
	return nil
}

// ownedPods are the pods j controls.
func (c *Controller) ownedPods(j *batchv1.Job) []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range c.cfg.Pods.Lister().ByNamespace(j.Namespace) {
		if ref := metav1.GetControllerOf(p); ref != nil && ref.UID == j.UID {
			out = append(out, p)
		}
	}
	return out
}

// finish records v's condition, deleting the pods still running.
func (c *Controller) finish(ctx context.Context, key string, j *batchv1.Job, cnt counts, v *verdict, now time.Time) error {
	err := c.deletePods(ctx, key, j, cnt.active)
	t := metav1.NewTime(now)
	j.Status.Conditions = append(j.Status.Conditions, batchv1.JobCondition{
		Type: v.cond, Status: corev1.ConditionTrue, Reason: v.reason, Message: v.message, LastProbeTime: t, LastTransitionTime: t,
	})
	if v.cond == batchv1.JobComplete {
		j.Status.CompletionTime = &t
		c.cfg.Recorder.Event(j, corev1.EventTypeNormal, "Completed", "Job completed")
	} else {
		c.cfg.Recorder.Event(j, corev1.EventTypeWarning, v.reason, "%s", v.message)
	}
	if j.Spec.TTLSecondsAfterFinished != nil {
		c.queue.AddAfter(key, time.Duration(*j.Spec.TTLSecondsAfterFinished)*time.Second)
	}
	return err
}

// manage creates or deletes pods as decide plans.
func (c *Controller) manage(ctx context.Context, key string, j *batchv1.Job, cnt counts, now time.Time) error {
	p := decide(j, cnt, now, c.cfg.BackoffBase, c.cfg.BackoffMax)
	switch {
	case p.retryAfter > 0:
		c.queue.AddAfter(key, p.retryAfter)
		return nil
	case len(p.remove) > 0:
		return c.deletePods(ctx, key, j, p.remove)
	case p.create > 0:
		c.exp.Expect(key, p.create, nil)
		errs := make([]error, p.create)
		var wg sync.WaitGroup
		for i := range p.create {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = c.createPod(ctx, key, j) }()
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	return nil
}

func (c *Controller) createPod(ctx context.Context, key string, j *batchv1.Job) error {
	created, err := c.cfg.PodCtl.CreatePod(ctx, newPod(j))
	if err != nil {
		c.exp.Created(key, 1)
		c.cfg.Recorder.Event(j, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
		return fmt.Errorf("creating pod for job %s: %w", key, err)
	}
	c.cfg.Recorder.Event(j, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", created.Name)
	return nil
}

func (c *Controller) deletePods(ctx context.Context, key string, j *batchv1.Job, pods []*corev1.Pod) error {
	if len(pods) == 0 {
		return nil
	}
	dels := make([]string, len(pods))
	for i, p := range pods {
		dels[i] = informer.KeyOf(p)
	}
	c.exp.Expect(key, 0, dels)
	var errs []error
	for _, p := range pods {
		err := c.cfg.PodCtl.DeletePod(ctx, p.Namespace, p.Name)
		if err != nil {
			c.exp.Deleted(key, informer.KeyOf(p))
		}
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("deleting pod %s: %w", p.Name, err))
			continue
		}
		c.cfg.Recorder.Event(j, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %s", p.Name)
	}
	return errors.Join(errs...)
}

// newPod builds a pod from j's template, controlled by j.
func newPod(j *batchv1.Job) *corev1.Pod {
	t := true
	tmpl := j.Spec.Template.DeepCopy()
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: j.Name + "-", Namespace: j.Namespace,
			Labels: tmpl.Labels, Annotations: tmpl.Annotations, Finalizers: tmpl.Finalizers,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "batch/v1", Kind: "Job", Name: j.Name, UID: j.UID, Controller: &t, BlockOwnerDeletion: &t,
			}},
		},
		Spec: tmpl.Spec,
	}
}
