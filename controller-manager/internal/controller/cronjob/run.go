package cronjob

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// runDue starts the Job of the schedule time that is due, if any, as
// the concurrency policy allows, and wakes the CronJob at the next one.
func (c *Controller) runDue(ctx context.Context, key string, cj *batchv1.CronJob) error {
	sched, err := parseSchedule(cj)
	if err != nil {
		c.cfg.Recorder.Event(cj, corev1.EventTypeWarning, "InvalidSchedule", "invalid schedule: %v", err)
		return nil // permanent until the spec changes
	}
	now := c.cfg.Now()
	due, missed, next := dueTime(cj, sched, now)
	if !next.IsZero() {
		c.queue.AddAfter(key, next.Sub(now)+100*time.Millisecond)
	}
	if due == nil {
		return nil
	}
	if missed > maxMissed {
		c.cfg.Recorder.Event(cj, corev1.EventTypeWarning, "TooManyMissedTimes",
			"too many missed start times (> %d); set or decrease .spec.startingDeadlineSeconds or check clock skew", maxMissed)
	}
	switch cj.Spec.ConcurrencyPolicy {
	case batchv1.ForbidConcurrent:
		if len(cj.Status.Active) > 0 {
			c.cfg.Recorder.Event(cj, corev1.EventTypeNormal, "JobAlreadyActive",
				"Not starting job because prior execution is running and concurrency policy is Forbid")
			return nil
		}
	case batchv1.ReplaceConcurrent:
		for _, ref := range cj.Status.Active {
			if err := c.cfg.JobCtl.DeleteJob(ctx, ref.Namespace, ref.Name); err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("replacing active job %s: %w", ref.Name, err)
			}
			c.cfg.Recorder.Event(cj, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted job %s", ref.Name)
		}
		cj.Status.Active = nil
	}
	created, err := c.cfg.JobCtl.CreateJob(ctx, newJob(cj, *due))
	switch {
	case apierrors.IsAlreadyExists(err): // this time already ran (e.g. before a restart)
	case err != nil:
		c.cfg.Recorder.Event(cj, corev1.EventTypeWarning, "FailedCreate", "Error creating job: %v", err)
		return fmt.Errorf("creating job %s: %w", jobName(cj, *due), err)
	default:
		c.cfg.Recorder.Event(cj, corev1.EventTypeNormal, "SuccessfulCreate", "Created job %s", created.Name)
		cj.Status.Active = append(cj.Status.Active, jobRef(created))
	}
	t := metav1.NewTime(*due)
	cj.Status.LastScheduleTime = &t
	return nil
}

// newJob builds the Job for schedule time scheduled from cj's template.
func newJob(cj *batchv1.CronJob, scheduled time.Time) *batchv1.Job {
	tmpl := cj.Spec.JobTemplate.DeepCopy()
	ann := map[string]string{}
	for k, v := range tmpl.Annotations {
		ann[k] = v
	}
	ann[ScheduledTimestampAnnotation] = scheduled.UTC().Format(time.RFC3339)
	t := true
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name: jobName(cj, scheduled), Namespace: cj.Namespace, Labels: tmpl.Labels, Annotations: ann,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "batch/v1", Kind: "CronJob", Name: cj.Name, UID: cj.UID, Controller: &t, BlockOwnerDeletion: &t,
			}},
		},
		Spec: tmpl.Spec,
	}
}
