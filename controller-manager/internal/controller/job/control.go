package job

import (
	"context"
	"k8s.io/apimachinery/pkg/types"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

// PodControl is the I/O the controller does on pods.
type PodControl interface {
	CreatePod(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, error)
	DeletePod(ctx context.Context, namespace, name string) error
}

// JobControl writes Jobs.
type JobControl interface {
	UpdateJobStatus(ctx context.Context, j *batchv1.Job) (*batchv1.Job, error)
	// DeleteJob deletes a finished Job (TTL), its pods by garbage collection.
	DeleteJob(ctx context.Context, namespace, name string, uid string) error
}

// APIControl does the controller's I/O through the apiserver.
type APIControl struct{ Client *client.Client }

// CreatePod creates pod.
func (a APIControl) CreatePod(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, error) {
	return client.Pods(a.Client, pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
}

// DeletePod deletes a pod.
func (a APIControl) DeletePod(ctx context.Context, namespace, name string) error {
	return client.Pods(a.Client, namespace).Delete(ctx, name, metav1.DeleteOptions{})
}

// UpdateJobStatus writes j's status subresource.
func (a APIControl) UpdateJobStatus(ctx context.Context, j *batchv1.Job) (*batchv1.Job, error) {
	return client.Jobs(a.Client, j.Namespace).UpdateStatus(ctx, j, metav1.UpdateOptions{})
}

// DeleteJob deletes the Job if it still has uid, in the background.
func (a APIControl) DeleteJob(ctx context.Context, namespace, name string, uid string) error {
	bg := metav1.DeletePropagationBackground
	u := types.UID(uid)
	return client.Jobs(a.Client, namespace).Delete(ctx, name, metav1.DeleteOptions{
		PropagationPolicy: &bg, Preconditions: &metav1.Preconditions{UID: &u},
	})
}
