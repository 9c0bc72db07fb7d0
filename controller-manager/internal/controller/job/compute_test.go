package job

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func ptr[T any](v T) *T { return &v }

func pod(phase corev1.PodPhase, restarts int32, finished time.Time) *corev1.Pod {
	p := &corev1.Pod{Status: corev1.PodStatus{Phase: phase}}
	st := corev1.ContainerStatus{RestartCount: restarts}
	if !finished.IsZero() {
		st.State.Terminated = &corev1.ContainerStateTerminated{FinishedAt: metav1.NewTime(finished)}
	}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{st}
	return p
}

func TestBackoffDelay(t *testing.T) {
	for _, tc := range []struct {
		failures int32
		want     time.Duration
	}{{0, 0}, {1, 10 * time.Second}, {2, 20 * time.Second}, {3, 40 * time.Second}, {6, 320 * time.Second}, {7, 6 * time.Minute}, {60, 6 * time.Minute}} {
		if got := backoffDelay(tc.failures, 10*time.Second, 6*time.Minute); got != tc.want {
			t.Errorf("backoffDelay(%d) = %v, want %v", tc.failures, got, tc.want)
		}
	}
}

func TestJudge(t *testing.T) {
	now := time.Unix(10000, 0)
	start := metav1.NewTime(now.Add(-time.Minute))
	for _, tc := range []struct {
		name   string
		job    batchv1.JobSpec
		pods   []*corev1.Pod
		reason string
	}{
		{"running", batchv1.JobSpec{Completions: ptr[int32](2), BackoffLimit: ptr[int32](1)}, []*corev1.Pod{pod(corev1.PodSucceeded, 0, now), pod(corev1.PodFailed, 0, now)}, ""},
		{"complete", batchv1.JobSpec{Completions: ptr[int32](2)}, []*corev1.Pod{pod(corev1.PodSucceeded, 0, now), pod(corev1.PodSucceeded, 0, now)}, "CompletionsReached"},
		{"backoff limit (Never)", batchv1.JobSpec{BackoffLimit: ptr[int32](1)}, []*corev1.Pod{pod(corev1.PodFailed, 0, now), pod(corev1.PodFailed, 0, now)}, "BackoffLimitExceeded"},
		{"backoff limit 0", batchv1.JobSpec{BackoffLimit: ptr[int32](0)}, []*corev1.Pod{pod(corev1.PodFailed, 0, now)}, "BackoffLimitExceeded"},
		{"restarts count under OnFailure", batchv1.JobSpec{BackoffLimit: ptr[int32](2),
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyOnFailure}}},
			[]*corev1.Pod{pod(corev1.PodRunning, 3, time.Time{})}, "BackoffLimitExceeded"},
		{"restarts ignored under Never", batchv1.JobSpec{BackoffLimit: ptr[int32](2)}, []*corev1.Pod{pod(corev1.PodRunning, 3, time.Time{})}, ""},
		{"deadline", batchv1.JobSpec{ActiveDeadlineSeconds: ptr[int64](30)}, []*corev1.Pod{pod(corev1.PodRunning, 0, time.Time{})}, "DeadlineExceeded"},
		{"work queue done", batchv1.JobSpec{Parallelism: ptr[int32](2)}, []*corev1.Pod{pod(corev1.PodSucceeded, 0, now)}, "CompletionsReached"},
	} {
		j := &batchv1.Job{Spec: tc.job, Status: batchv1.JobStatus{StartTime: &start}}
		v := judge(j, countPods(tc.pods), now)
		got := ""
		if v != nil {
			got = v.reason
		}
		if got != tc.reason {
			t.Errorf("%s: verdict %q, want %q", tc.name, got, tc.reason)
		}
	}
}

func TestDecide(t *testing.T) {
	now := time.Unix(10000, 0)
	j := &batchv1.Job{Spec: batchv1.JobSpec{Completions: ptr[int32](5), Parallelism: ptr[int32](2), BackoffLimit: ptr[int32](6)}}
	if p := decide(j, countPods(nil), now, time.Second, time.Minute); p.create != 2 {
		t.Fatalf("fresh job: %+v", p)
	}
	fourDone := []*corev1.Pod{pod(corev1.PodSucceeded, 0, now), pod(corev1.PodSucceeded, 0, now), pod(corev1.PodSucceeded, 0, now), pod(corev1.PodSucceeded, 0, now)}
	if p := decide(j, countPods(fourDone), now, time.Second, time.Minute); p.create != 1 {
		t.Fatalf("one completion missing: %+v", p)
	}
	failed := []*corev1.Pod{pod(corev1.PodFailed, 0, now.Add(-time.Second)), pod(corev1.PodFailed, 0, now.Add(-time.Second))}
	if p := decide(j, countPods(failed), now, time.Second, time.Minute); p.retryAfter != time.Second || p.create != 0 {
		t.Fatalf("2 failures 1s ago with base 1s wait 1s more: %+v", p)
	}
	if p := decide(j, countPods(failed), now.Add(time.Second), time.Second, time.Minute); p.create != 2 {
		t.Fatalf("after the backoff pods are created: %+v", p)
	}
	j.Spec.Suspend = ptr(true)
	running := []*corev1.Pod{pod(corev1.PodRunning, 0, time.Time{})}
	if p := decide(j, countPods(running), now, time.Second, time.Minute); len(p.remove) != 1 {
		t.Fatalf("suspended job deletes its pods: %+v", p)
	}
}
