package cronjob

import (
	"context"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

// JobControl is the I/O the controller does on Jobs.
type JobControl interface {
	GetJob(ctx context.Context, namespace, name string) (*batchv1.Job, error)
	CreateJob(ctx context.Context, j *batchv1.Job) (*batchv1.Job, error)
	// DeleteJob deletes a Job and, in the background, its pods.
	DeleteJob(ctx context.Context, namespace, name string) error
}

// StatusWriter writes a CronJob's status.
type StatusWriter interface {
	UpdateCronJobStatus(ctx context.Context, cj *batchv1.CronJob) (*batchv1.CronJob, error)
}

// APIControl does the controller's I/O through the apiserver.
type APIControl struct{ Client *client.Client }

// GetJob reads a Job from the apiserver (not the cache).
func (a APIControl) GetJob(ctx context.Context, namespace, name string) (*batchv1.Job, error) {
	return client.Jobs(a.Client, namespace).Get(ctx, name, metav1.GetOptions{})
}

// CreateJob creates j.
func (a APIControl) CreateJob(ctx context.Context, j *batchv1.Job) (*batchv1.Job, error) {
	return client.Jobs(a.Client, j.Namespace).Create(ctx, j, metav1.CreateOptions{})
}

// DeleteJob deletes a Job, its pods by background garbage collection.
func (a APIControl) DeleteJob(ctx context.Context, namespace, name string) error {
	bg := metav1.DeletePropagationBackground
	return client.Jobs(a.Client, namespace).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &bg})
}

// UpdateCronJobStatus writes cj's status subresource.
func (a APIControl) UpdateCronJobStatus(ctx context.Context, cj *batchv1.CronJob) (*batchv1.CronJob, error) {
	return client.CronJobs(a.Client, cj.Namespace).UpdateStatus(ctx, cj, metav1.UpdateOptions{})
}
