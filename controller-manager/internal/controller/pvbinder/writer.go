package pvbinder

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

// Writer is the binder's I/O.
type Writer interface {
	CreateVolume(ctx context.Context, pv *corev1.PersistentVolume) (*corev1.PersistentVolume, error)
	UpdateVolume(ctx context.Context, pv *corev1.PersistentVolume) (*corev1.PersistentVolume, error)
	UpdateVolumeStatus(ctx context.Context, pv *corev1.PersistentVolume) (*corev1.PersistentVolume, error)
	DeleteVolume(ctx context.Context, pv *corev1.PersistentVolume) error
	UpdateClaim(ctx context.Context, pvc *corev1.PersistentVolumeClaim) (*corev1.PersistentVolumeClaim, error)
	UpdateClaimStatus(ctx context.Context, pvc *corev1.PersistentVolumeClaim) (*corev1.PersistentVolumeClaim, error)
}

// APIWriter writes through the apiserver.
type APIWriter struct{ Client *client.Client }

// CreateVolume creates pv (for the hostPath provisioner).
func (w APIWriter) CreateVolume(ctx context.Context, pv *corev1.PersistentVolume) (*corev1.PersistentVolume, error) {
	return client.PersistentVolumes(w.Client).Create(ctx, pv, metav1.CreateOptions{})
}

// UpdateVolume replaces pv.
func (w APIWriter) UpdateVolume(ctx context.Context, pv *corev1.PersistentVolume) (*corev1.PersistentVolume, error) {
	return client.PersistentVolumes(w.Client).Update(ctx, pv, metav1.UpdateOptions{})
}

// UpdateVolumeStatus replaces pv's status.
func (w APIWriter) UpdateVolumeStatus(ctx context.Context, pv *corev1.PersistentVolume) (*corev1.PersistentVolume, error) {
	return client.PersistentVolumes(w.Client).UpdateStatus(ctx, pv, metav1.UpdateOptions{})
}

// DeleteVolume deletes pv if it still has its uid.
func (w APIWriter) DeleteVolume(ctx context.Context, pv *corev1.PersistentVolume) error {
	uid := pv.UID
	return client.PersistentVolumes(w.Client).Delete(ctx, pv.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
}

// UpdateClaim replaces pvc.
func (w APIWriter) UpdateClaim(ctx context.Context, pvc *corev1.PersistentVolumeClaim) (*corev1.PersistentVolumeClaim, error) {
	return client.PersistentVolumeClaims(w.Client, pvc.Namespace).Update(ctx, pvc, metav1.UpdateOptions{})
}

// UpdateClaimStatus replaces pvc's status.
func (w APIWriter) UpdateClaimStatus(ctx context.Context, pvc *corev1.PersistentVolumeClaim) (*corev1.PersistentVolumeClaim, error) {
	return client.PersistentVolumeClaims(w.Client, pvc.Namespace).UpdateStatus(ctx, pvc, metav1.UpdateOptions{})
}
