package daemonset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

// PodControl is the I/O the controller does on pods.
type PodControl interface {
	CreatePod(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, error)
	DeletePod(ctx context.Context, namespace, name string) error
}

// StatusWriter writes a DaemonSet's status.
type StatusWriter interface {
	UpdateDaemonSetStatus(ctx context.Context, ds *appsv1.DaemonSet) (*appsv1.DaemonSet, error)
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

// UpdateDaemonSetStatus writes ds's status subresource.
func (a APIControl) UpdateDaemonSetStatus(ctx context.Context, ds *appsv1.DaemonSet) (*appsv1.DaemonSet, error) {
	return client.DaemonSets(a.Client, ds.Namespace).UpdateStatus(ctx, ds, metav1.UpdateOptions{})
}

// CreateRevision creates a ControllerRevision.
func (a APIControl) CreateRevision(ctx context.Context, cr *appsv1.ControllerRevision) error {
	_, err := client.ControllerRevisions(a.Client, cr.Namespace).Create(ctx, cr, metav1.CreateOptions{})
	return err
}

// UpdateRevision replaces a ControllerRevision (its revision number).
func (a APIControl) UpdateRevision(ctx context.Context, cr *appsv1.ControllerRevision) error {
	_, err := client.ControllerRevisions(a.Client, cr.Namespace).Update(ctx, cr, metav1.UpdateOptions{})
	return err
}

// DeleteRevision deletes a ControllerRevision.
func (a APIControl) DeleteRevision(ctx context.Context, namespace, name string) error {
	return client.ControllerRevisions(a.Client, namespace).Delete(ctx, name, metav1.DeleteOptions{})
}
