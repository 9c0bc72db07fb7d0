package app

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/controller-manager/internal/controller/cronjob"
	"github.com/wharfhq/wharf/proto/client"
)

// fakeClock is the CronJob controller's clock, moved by the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) Set(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = t
}

func startCronJobController(t *testing.T, clock *fakeClock) *client.Client {
	return startWith(t, clock.Now, func(d *Deps) []func(context.Context) {
		c := cronjob.New(cronjob.Config{
			CronJobs: d.Informers.CronJobs(), Jobs: d.Informers.Jobs(),
			JobCtl: cronjob.APIControl{Client: d.Client}, Status: cronjob.APIControl{Client: d.Client},
			Recorder: d.Broadcaster.Recorder("cronjob-controller"), Logger: d.Logger, Now: d.Now,
			PollInterval: 50 * time.Millisecond,
		})
		return []func(context.Context){func(ctx context.Context) { c.Run(ctx, 2) }}
	})
}

func newCronJob(name string, policy batchv1.ConcurrencyPolicy) *batchv1.CronJob {
	one := int32(1)
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: batchv1.CronJobSpec{
			Schedule: "* * * * *", ConcurrencyPolicy: policy, SuccessfulJobsHistoryLimit: &one,
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "c", Image: "busybox"}},
			}}}},
		},
	}
}

// cronJobs lists the names of the Jobs in default, sorted.
func jobNames(ctx context.Context, c *client.Client) ([]string, error) {
	list, err := client.Jobs(c, "default").List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, j := range list.Items {
		if j.DeletionTimestamp == nil {
			out = append(out, j.Name)
		}
	}
	sort.Strings(out)
	return out, nil
}

func waitJobs(ctx context.Context, t *testing.T, c *client.Client, want ...string) {
	t.Helper()
	eventually(t, fmt.Sprintf("jobs %v", want), func() (bool, error) {
		got, err := jobNames(ctx, c)
		return fmt.Sprint(got) == fmt.Sprint(want), err
	})
}

// completeJob plays the job controller: the Job succeeded.
func completeJob(ctx context.Context, t *testing.T, c *client.Client, name string) {
	t.Helper()
	eventually(t, "complete "+name, func() (bool, error) {
		j, err := client.Jobs(c, "default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		now := metav1.Now()
		j.Status.StartTime, j.Status.CompletionTime, j.Status.Succeeded = &now, &now, 1
		j.Status.Conditions = []batchv1.JobCondition{
			{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, LastTransitionTime: now},
		}
		_, err = client.Jobs(c, "default").UpdateStatus(ctx, j, metav1.UpdateOptions{})
		return err == nil, err
	})
}

func minuteName(cj string, t time.Time) string { return fmt.Sprintf("%s-%d", cj, t.Unix()/60) }

func TestCronJobRunsOnScheduleForbidAndHistory(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	c := startCronJobController(t, clock)
	ctx := context.Background()
	created, err := client.CronJobs(c, "default").Create(ctx, newCronJob("tick", batchv1.ForbidConcurrent), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m1 := created.CreationTimestamp.Truncate(time.Minute).Add(time.Minute)
	m2, m3 := m1.Add(time.Minute), m1.Add(2*time.Minute)
	clock.Set(m1.Add(-time.Second))
	time.Sleep(300 * time.Millisecond)
	waitJobs(ctx, t, c) // nothing before the first schedule time

	clock.Set(m1.Add(5 * time.Second))
	waitJobs(ctx, t, c, minuteName("tick", m1))
	eventually(t, "status.active and lastScheduleTime", func() (bool, error) {
		cj, err := client.CronJobs(c, "default").Get(ctx, "tick", metav1.GetOptions{})
		return err == nil && len(cj.Status.Active) == 1 && cj.Status.LastScheduleTime != nil && cj.Status.LastScheduleTime.Equal(&metav1.Time{Time: m1}), err
	})

	// Forbid: the next minute passes while the first Job runs.
	clock.Set(m2.Add(5 * time.Second))
	time.Sleep(300 * time.Millisecond)
	waitJobs(ctx, t, c, minuteName("tick", m1))
	// Once it finishes, the still-due time starts.
	completeJob(ctx, t, c, minuteName("tick", m1))
	waitJobs(ctx, t, c, minuteName("tick", m1), minuteName("tick", m2))
	completeJob(ctx, t, c, minuteName("tick", m2))
	// successfulJobsHistoryLimit 1 keeps only the newest finished Job.
	waitJobs(ctx, t, c, minuteName("tick", m2))
	clock.Set(m3.Add(time.Second))
	waitJobs(ctx, t, c, minuteName("tick", m2), minuteName("tick", m3))
	eventually(t, "lastSuccessfulTime", func() (bool, error) {
		cj, err := client.CronJobs(c, "default").Get(ctx, "tick", metav1.GetOptions{})
		return err == nil && cj.Status.LastSuccessfulTime != nil, err
	})
}

func TestCronJobReplaceAndSuspend(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	c := startCronJobController(t, clock)
	ctx := context.Background()
	created, err := client.CronJobs(c, "default").Create(ctx, newCronJob("swap", batchv1.ReplaceConcurrent), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m1 := created.CreationTimestamp.Truncate(time.Minute).Add(time.Minute)
	clock.Set(m1.Add(time.Second))
	waitJobs(ctx, t, c, minuteName("swap", m1))
	clock.Set(m1.Add(time.Minute + time.Second))
	waitJobs(ctx, t, c, minuteName("swap", m1.Add(time.Minute))) // the running one was replaced

	eventually(t, "suspend", func() (bool, error) {
		cj, err := client.CronJobs(c, "default").Get(ctx, "swap", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		yes := true
		cj.Spec.Suspend = &yes
		_, err = client.CronJobs(c, "default").Update(ctx, cj, metav1.UpdateOptions{})
		return err == nil, err
	})
	time.Sleep(200 * time.Millisecond)
	clock.Set(m1.Add(2*time.Minute + time.Second))
	time.Sleep(300 * time.Millisecond)
	waitJobs(ctx, t, c, minuteName("swap", m1.Add(time.Minute)))
}
