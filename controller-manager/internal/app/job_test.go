package app

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/controller-manager/internal/controller/job"
	"github.com/wharfhq/wharf/controller-manager/internal/events"
	"github.com/wharfhq/wharf/controller-manager/internal/informers"
	"github.com/wharfhq/wharf/proto/client"
)

// startWith runs controllers built by build (so a test can inject clocks
// and delays) against a fresh apiserver, sharing one client with the test.
func startWith(t *testing.T, now func() time.Time, build func(d *Deps) []func(context.Context)) *client.Client {
	t.Helper()
	c := startControllers(t, "replicaset")
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithCancel(context.Background())
	factory := informers.New(c, time.Minute, logger)
	b := events.NewBroadcaster(events.APISink{Client: c}, logger, now)
	d := &Deps{Client: c, Informers: factory, Broadcaster: b, Logger: logger, Options: Options{Workers: 2}, Now: now}
	runs := build(d)
	factory.Start(ctx)
	var wg sync.WaitGroup
	for _, r := range append(runs, b.Run) {
		wg.Add(1)
		go func() { defer wg.Done(); r(ctx) }()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	return c
}

func startJobController(t *testing.T, base time.Duration) *client.Client {
	return startWith(t, time.Now, func(d *Deps) []func(context.Context) {
		c := job.New(job.Config{
			Jobs: d.Informers.Jobs(), Pods: d.Informers.Pods(),
			PodCtl: job.APIControl{Client: d.Client}, JobCtl: job.APIControl{Client: d.Client},
			Recorder: d.Broadcaster.Recorder("job-controller"), Logger: d.Logger, Now: d.Now,
			BackoffBase: base, BackoffMax: 4 * base,
		})
		return []func(context.Context){func(ctx context.Context) { c.Run(ctx, 2) }}
	})
}

func newJob(name string, completions, parallelism, backoffLimit int32) *batchv1.Job {
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: batchv1.JobSpec{
			Completions: &completions, Parallelism: &parallelism, BackoffLimit: &backoffLimit,
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				RestartPolicy: corev1.RestartPolicyNever,
				Containers:    []corev1.Container{{Name: "c", Image: "busybox"}},
			}},
		},
	}
}

// finishPod plays kubelet: the pod's container exits and the pod ends in phase.
func finishPod(ctx context.Context, c *client.Client, p *corev1.Pod, phase corev1.PodPhase) error {
	p = p.DeepCopy()
	p.Status.Phase = phase
	code := int32(0)
	if phase == corev1.PodFailed {
		code = 1
	}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c", Image: "busybox",
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, FinishedAt: metav1.Now()}}}}
	_, err := client.Pods(c, p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{})
	return err
}

func jobPods(ctx context.Context, c *client.Client, name string) ([]*corev1.Pod, error) {
	return activePods(ctx, c, "default", batchv1.JobNameLabel+"="+name)
}

func jobCondition(j *batchv1.Job, t batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range j.Status.Conditions {
		if j.Status.Conditions[i].Type == t && j.Status.Conditions[i].Status == corev1.ConditionTrue {
			return &j.Status.Conditions[i]
		}
	}
	return nil
}

func TestJobRunsToCompletionWithParallelismAndTTL(t *testing.T) {
	c := startJobController(t, 50*time.Millisecond)
	ctx := context.Background()
	j := newJob("work", 3, 2, 6)
	// Long enough that the poll below sees the finished Job on a loaded
	// machine before the TTL controller deletes it.
	ttl := int32(5)
	j.Spec.TTLSecondsAfterFinished = &ttl
	if _, err := client.Jobs(c, "default").Create(ctx, j, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	succeeded := 0
	eventually(t, "3 completions", func() (bool, error) {
		pods, err := jobPods(ctx, c, "work")
		if err != nil {
			return false, err
		}
		running := 0
		for _, p := range pods {
			if p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
				running++
			}
		}
		if running > 2 || running > 3-succeeded {
			t.Fatalf("%d pods running with parallelism 2 and %d of 3 done", running, succeeded)
		}
		for _, p := range pods {
			if p.Status.Phase == corev1.PodPending || p.Status.Phase == "" {
				if err := finishPod(ctx, c, p, corev1.PodSucceeded); err != nil {
					return false, err
				}
				succeeded++
				break // one at a time, so the counts above stay exact
			}
		}
		cur, err := client.Jobs(c, "default").Get(ctx, "work", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return jobCondition(cur, batchv1.JobComplete) != nil && cur.Status.Succeeded == 3 && cur.Status.CompletionTime != nil && cur.Status.Active == 0, nil
	})
	eventually(t, "job deleted after its TTL", func() (bool, error) {
		_, err := client.Jobs(c, "default").Get(ctx, "work", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
}

func TestJobRetriesWithBackoffThenFails(t *testing.T) {
	c := startJobController(t, time.Second)
	ctx := context.Background()
	if _, err := client.Jobs(c, "default").Create(ctx, newJob("flaky", 1, 1, 2), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var order []string // pods in the order they appeared
	createdAt, failedAt := map[string]time.Time{}, map[string]time.Time{}
	eventually(t, "job failed by backoff limit", func() (bool, error) {
		pods, err := jobPods(ctx, c, "flaky")
		if err != nil {
			return false, err
		}
		for _, p := range pods {
			if _, ok := createdAt[p.Name]; !ok {
				createdAt[p.Name] = time.Now()
				order = append(order, p.Name)
			}
			if p.Status.Phase == corev1.PodPending || p.Status.Phase == "" {
				if _, ok := failedAt[p.Name]; !ok {
					failedAt[p.Name] = time.Now() // before the pod's finishedAt
				}
				if err := finishPod(ctx, c, p, corev1.PodFailed); err != nil {
					return false, err
				}
			}
		}
		cur, err := client.Jobs(c, "default").Get(ctx, "flaky", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return jobCondition(cur, batchv1.JobFailed) != nil, nil
	})
	cur, _ := client.Jobs(c, "default").Get(ctx, "flaky", metav1.GetOptions{})
	if cond := jobCondition(cur, batchv1.JobFailed); cond.Reason != "BackoffLimitExceeded" || cur.Status.Failed != 3 || len(order) != 3 {
		t.Fatalf("want 3 attempts, 3 failures and BackoffLimitExceeded; got pods %v, status %+v", order, cur.Status)
	}
	// The second retry waited for the doubled backoff (2s) after the second
	// failure, less up to 1s because finish times have second precision.
	if wait := createdAt[order[2]].Sub(failedAt[order[1]]); wait < time.Second {
		t.Fatalf("third attempt came %v after the second failure, before its 2s backoff", wait)
	}
}

func TestJobActiveDeadline(t *testing.T) {
	c := startJobController(t, time.Second)
	ctx := context.Background()
	j := newJob("slow", 1, 1, 6)
	one := int64(1)
	j.Spec.ActiveDeadlineSeconds = &one
	if _, err := client.Jobs(c, "default").Create(ctx, j, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "deadline exceeded, pods deleted", func() (bool, error) {
		cur, err := client.Jobs(c, "default").Get(ctx, "slow", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		pods, err := jobPods(ctx, c, "slow")
		cond := jobCondition(cur, batchv1.JobFailed)
		return cond != nil && cond.Reason == "DeadlineExceeded" && len(pods) == 0 && cur.Status.Active == 0, err
	})
}
