package job

import (
	"sort"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// counts summarises a Job's pods.
type counts struct {
	active                             []*corev1.Pod
	ready, succeeded, failed, restarts int32
	lastFailure                        time.Time
}

func countPods(pods []*corev1.Pod) counts {
	var c counts
	for _, p := range pods {
		switch {
		case p.Status.Phase == corev1.PodSucceeded:
			c.succeeded++
		case p.Status.Phase == corev1.PodFailed:
			c.failed++
			if t := finishTime(p); t.After(c.lastFailure) {
				c.lastFailure = t
			}
		case p.DeletionTimestamp == nil:
			c.active = append(c.active, p)
			if isReady(p) {
				c.ready++
			}
			for _, s := range p.Status.ContainerStatuses {
				c.restarts += s.RestartCount
			}
		}
	}
	return c
}

// finishTime is when a pod finished: its last container's termination,
// else its latest condition change, else its creation.
func finishTime(p *corev1.Pod) time.Time {
	var t time.Time
	for _, s := range p.Status.ContainerStatuses {
		if term := s.State.Terminated; term != nil && term.FinishedAt.After(t) {
			t = term.FinishedAt.Time
		}
	}
	if !t.IsZero() {
		return t
	}
	for _, c := range p.Status.Conditions {
		if c.LastTransitionTime.After(t) {
			t = c.LastTransitionTime.Time
		}
	}
	if t.IsZero() {
		t = p.CreationTimestamp.Time
	}
	return t
}

func isReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// backoffDelay is base·2^(failures-1), at most maxDelay.
func backoffDelay(failures int32, base, maxDelay time.Duration) time.Duration {
	if failures <= 0 {
		return 0
	}
	d := base
	for i := int32(1); i < failures && d < maxDelay; i++ {
		d *= 2
	}
	return min(d, maxDelay)
}

// verdict is why a Job finished.
type verdict struct {
	cond            batchv1.JobConditionType
	reason, message string
}

// judge decides whether the Job is finished, failure checks first as
// upstream.
func judge(j *batchv1.Job, c counts, now time.Time) *verdict {
	limit := int32(6)
	if j.Spec.BackoffLimit != nil {
		limit = *j.Spec.BackoffLimit
	}
	onFailure := j.Spec.Template.Spec.RestartPolicy == corev1.RestartPolicyOnFailure
	switch {
	case c.failed > limit || (onFailure && c.restarts > 0 && c.failed+c.restarts > limit):
		return &verdict{batchv1.JobFailed, "BackoffLimitExceeded", "Job has reached the specified backoff limit"}
	case j.Spec.ActiveDeadlineSeconds != nil && j.Status.StartTime != nil &&
		!now.Before(j.Status.StartTime.Add(time.Duration(*j.Spec.ActiveDeadlineSeconds)*time.Second)):
		return &verdict{batchv1.JobFailed, "DeadlineExceeded", "Job was active longer than specified deadline"}
	case j.Spec.Completions != nil && c.succeeded >= *j.Spec.Completions:
		return &verdict{batchv1.JobComplete, "CompletionsReached", "Reached expected number of succeeded pods"}
	case j.Spec.Completions == nil && c.succeeded > 0 && len(c.active) == 0:
		return &verdict{batchv1.JobComplete, "CompletionsReached", "Reached expected number of succeeded pods"}
	}
	return nil
}

// wantActive is how many pods should run now: parallelism, capped by the
// completions still missing; none when suspended, and none new once a
// work-queue Job (no completions) had a success.
func wantActive(j *batchv1.Job, c counts) int32 {
	if j.Spec.Suspend != nil && *j.Spec.Suspend {
		return 0
	}
	par := int32(1)
	if j.Spec.Parallelism != nil {
		par = *j.Spec.Parallelism
	}
	if j.Spec.Completions != nil {
		return max(0, min(par, *j.Spec.Completions-c.succeeded))
	}
	if c.succeeded > 0 {
		return min(par, int32(len(c.active)))
	}
	return par
}

// plan is what one sync does to pods.
type plan struct {
	create     int
	remove     []*corev1.Pod
	retryAfter time.Duration // >0: creations wait this long (backoff)
}

// decide plans pod creations and deletions toward wantActive, holding
// creations back while the failure backoff lasts.
func decide(j *batchv1.Job, c counts, now time.Time, base, maxDelay time.Duration) plan {
	want := wantActive(j, c)
	have := int32(len(c.active))
	if have > want {
		victims := append([]*corev1.Pod(nil), c.active...)
		sort.SliceStable(victims, func(a, b int) bool {
			if isReady(victims[a]) != isReady(victims[b]) {
				return !isReady(victims[a])
			}
			return victims[a].CreationTimestamp.After(victims[b].CreationTimestamp.Time)
		})
		return plan{remove: victims[:have-want]}
	}
	if have == want {
		return plan{}
	}
	if c.failed > 0 {
		if wait := c.lastFailure.Add(backoffDelay(c.failed, base, maxDelay)).Sub(now); wait > 0 {
			return plan{retryAfter: wait}
		}
	}
	return plan{create: int(want - have)}
}
