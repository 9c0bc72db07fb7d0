package cronjob

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/wharfhq/wharf/proto/informer"
)

// ScheduledTimestampAnnotation is set on every Job to its schedule time.
const ScheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp"

// sync reconciles one CronJob: refresh the active list, prune history,
// start the Job that is due, write status.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name := informer.SplitKey(key)
	cached, ok := c.cfg.CronJobs.Lister().Get(ns, name)
	if !ok {
		return nil
	}
	cj := cached.DeepCopy()
	jobs := c.ownedJobs(cj)
	active, err := c.activeRefs(ctx, cj, jobs)
	if err != nil {
		return err
	}
	cj.Status.Active = active
	setLastSuccessful(cj, jobs)
	err = c.pruneHistory(ctx, cj, jobs)
	if cj.DeletionTimestamp == nil && (cj.Spec.Suspend == nil || !*cj.Spec.Suspend) {
		err = errors.Join(err, c.runDue(ctx, key, cj))
	}
	if apiequality.Semantic.DeepEqual(cj.Status, cached.Status) {
		return err
	}
	if _, uerr := c.cfg.Status.UpdateCronJobStatus(ctx, cj); uerr != nil && !apierrors.IsNotFound(uerr) {
		return errors.Join(err, fmt.Errorf("updating status of cronjob %s: %w", key, uerr))
	}
	return err
}

func (c *Controller) ownedJobs(cj *batchv1.CronJob) []*batchv1.Job {
	var out []*batchv1.Job
	for _, j := range c.cfg.Jobs.Lister().ByNamespace(cj.Namespace) {
		if ref := metav1.GetControllerOf(j); ref != nil && ref.UID == cj.UID {
			out = append(out, j)
		}
	}
	return out
}

// finished reports whether j is Complete or Failed, and which.
func finished(j *batchv1.Job) (batchv1.JobConditionType, bool) {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return c.Type, true
		}
	}
	return "", false
}

// activeRefs lists cj's unfinished Jobs. A Job in status.active that the
// cache does not show yet (just created) is looked up in the apiserver.
func (c *Controller) activeRefs(ctx context.Context, cj *batchv1.CronJob, jobs []*batchv1.Job) ([]corev1.ObjectReference, error) {
	var out []corev1.ObjectReference
	known := map[string]bool{}
	for _, j := range jobs {
		known[j.Name] = true
		cond, done := finished(j)
		switch {
		case !done && j.DeletionTimestamp == nil:
			out = append(out, jobRef(j))
		case done && inActive(cj, j.UID):
			c.cfg.Recorder.Event(cj, corev1.EventTypeNormal, "SawCompletedJob", "Saw completed job: %s, status: %s", j.Name, cond)
		}
	}
	for _, ref := range cj.Status.Active {
		if known[ref.Name] {
			continue
		}
		j, err := c.cfg.JobCtl.GetJob(ctx, cj.Namespace, ref.Name)
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return nil, fmt.Errorf("checking active job %s: %w", ref.Name, err)
		default:
			if _, done := finished(j); !done && j.UID == ref.UID {
				out = append(out, ref)
			}
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out, nil
}

func inActive(cj *batchv1.CronJob, uid types.UID) bool {
	for _, r := range cj.Status.Active {
		if r.UID == uid {
			return true
		}
	}
	return false
}

func jobRef(j *batchv1.Job) corev1.ObjectReference {
	return corev1.ObjectReference{Kind: "Job", APIVersion: "batch/v1", Namespace: j.Namespace, Name: j.Name, UID: j.UID, ResourceVersion: j.ResourceVersion}
}

func setLastSuccessful(cj *batchv1.CronJob, jobs []*batchv1.Job) {
	for _, j := range jobs {
		if cond, _ := finished(j); cond != batchv1.JobComplete || j.Status.CompletionTime == nil {
			continue
		}
		if last := cj.Status.LastSuccessfulTime; last == nil || j.Status.CompletionTime.After(last.Time) {
			t := *j.Status.CompletionTime
			cj.Status.LastSuccessfulTime = &t
		}
	}
}

// pruneHistory deletes the oldest finished Jobs beyond the successful and
// failed history limits.
func (c *Controller) pruneHistory(ctx context.Context, cj *batchv1.CronJob, jobs []*batchv1.Job) error {
	var errs []error
	for _, j := range historyToPrune(cj, jobs) {
		if err := c.cfg.JobCtl.DeleteJob(ctx, j.Namespace, j.Name); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("pruning job %s: %w", j.Name, err))
			continue
		}
		c.cfg.Recorder.Event(cj, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted job %s", j.Name)
	}
	return errors.Join(errs...)
}

// historyToPrune picks finished Jobs beyond the limits, oldest first.
func historyToPrune(cj *batchv1.CronJob, jobs []*batchv1.Job) []*batchv1.Job {
	var ok, failed []*batchv1.Job
	for _, j := range jobs {
		switch cond, _ := finished(j); {
		case j.DeletionTimestamp != nil:
		case cond == batchv1.JobComplete:
			ok = append(ok, j)
		case cond == batchv1.JobFailed:
			failed = append(failed, j)
		}
	}
	var out []*batchv1.Job
	for _, h := range []struct {
		jobs  []*batchv1.Job
		limit *int32
	}{{ok, cj.Spec.SuccessfulJobsHistoryLimit}, {failed, cj.Spec.FailedJobsHistoryLimit}} {
		if h.limit == nil || len(h.jobs) <= int(*h.limit) {
			continue
		}
		sort.Slice(h.jobs, func(a, b int) bool { return olderJob(h.jobs[a], h.jobs[b]) })
		out = append(out, h.jobs[:len(h.jobs)-int(*h.limit)]...)
	}
	return out
}

// olderJob orders Jobs by start, then creation, then name: times have
// second precision, and names end in the schedule minute.
func olderJob(a, b *batchv1.Job) bool {
	if sa, sb := startOf(a), startOf(b); !sa.Equal(sb) {
		return sa.Before(sb)
	}
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Name < b.Name
}

func startOf(j *batchv1.Job) time.Time {
	if j.Status.StartTime != nil {
		return j.Status.StartTime.Time
	}
	return j.CreationTimestamp.Time
}
