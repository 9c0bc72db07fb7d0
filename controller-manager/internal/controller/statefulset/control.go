package statefulset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/wharfhq/wharf/proto/client"
)

// Control is the controller's I/O.
type Control interface {
	CreatePod(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, error)
	// DeletePod deletes the pod only if it still has uid, so a stale cache
	// never deletes its successor of the same name.
	DeletePod(ctx context.Context, namespace, name string, uid types.UID) error
	CreateClaim(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error
}

// StatusWriter writes a StatefulSet's status.
type StatusWriter interface {
	UpdateStatefulSetStatus(ctx context.Context, set *appsv1.StatefulSet) (*appsv1.StatefulSet, error)
}

// APIControl does the controller's I/O through the apiserver.
type APIControl struct{ Client *client.Client }

// CreatePod creates pod.
func (a APIControl) CreatePod(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, error) {
	return client.Pods(a.Client, pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
}

// DeletePod deletes a pod if it still has uid.
func (a APIControl) DeletePod(ctx context.Context, namespace, name string, uid types.UID) error {
	return client.Pods(a.Client, namespace).Delete(ctx, name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
}

// CreateClaim creates a PersistentVolumeClaim.
func (a APIControl) CreateClaim(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error {
	_, err := client.PersistentVolumeClaims(a.Client, pvc.Namespace).Create(ctx, pvc, metav1.CreateOptions{})
	return err
}

// UpdateStatefulSetStatus writes set's status subresource.
func (a APIControl) UpdateStatefulSetStatus(ctx context.Context, set *appsv1.StatefulSet) (*appsv1.StatefulSet, error) {
	return client.StatefulSets(a.Client, set.Namespace).UpdateStatus(ctx, set, metav1.UpdateOptions{})
}
