package pvbinder

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Annotations upstream's binder sets on claims it binds.
const (
	AnnBindCompleted     = "pv.kubernetes.io/bind-completed"
	AnnBoundByController = "pv.kubernetes.io/bound-by-controller"
)

// storageClass is the claim's class; nil means "" here (the binder's
// provisioner first gives such claims the default class, if there is one).
func storageClass(pvc *corev1.PersistentVolumeClaim) string {
	if pvc.Spec.StorageClassName == nil {
		return ""
	}
	return *pvc.Spec.StorageClassName
}

func volumeMode(m *corev1.PersistentVolumeMode) corev1.PersistentVolumeMode {
	if m == nil {
		return corev1.PersistentVolumeFilesystem
	}
	return *m
}

// claimedBy reports whether pv's claimRef names pvc (by uid when set).
func claimedBy(pv *corev1.PersistentVolume, pvc *corev1.PersistentVolumeClaim) bool {
	r := pv.Spec.ClaimRef
	return r != nil && r.Namespace == pvc.Namespace && r.Name == pvc.Name && (r.UID == "" || r.UID == pvc.UID)
}

// Fits reports why pv cannot serve pvc ("" when it can): class, volume
// mode, access modes, capacity and the claim's selector must all agree,
// and pv must be free or pre-bound to pvc.
func Fits(pv *corev1.PersistentVolume, pvc *corev1.PersistentVolumeClaim) string {
	switch {
	case pv.DeletionTimestamp != nil:
		return "volume is being deleted"
	case pv.Spec.ClaimRef != nil && !claimedBy(pv, pvc):
		return "volume is bound to another claim"
	case pv.Spec.ClaimRef == nil && pv.Status.Phase != "" && pv.Status.Phase != corev1.VolumeAvailable:
		return "volume is not Available"
	case pv.Spec.StorageClassName != storageClass(pvc):
		return "storage class differs"
	case volumeMode(pv.Spec.VolumeMode) != volumeMode(pvc.Spec.VolumeMode):
		return "volume mode differs"
	case pvc.Spec.VolumeName != "" && pvc.Spec.VolumeName != pv.Name:
		return "claim asks for another volume"
	}
	for _, m := range pvc.Spec.AccessModes {
		if !hasMode(pv.Spec.AccessModes, m) {
			return "access mode " + string(m) + " not offered"
		}
	}
	want := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	have := pv.Spec.Capacity[corev1.ResourceStorage]
	if have.Cmp(want) < 0 {
		return "capacity too small"
	}
	if pvc.Spec.Selector != nil {
		sel, err := metav1.LabelSelectorAsSelector(pvc.Spec.Selector)
		if err != nil || !sel.Matches(labels.Set(pv.Labels)) {
			return "selector does not match"
		}
	}
	return ""
}

func hasMode(modes []corev1.PersistentVolumeAccessMode, m corev1.PersistentVolumeAccessMode) bool {
	for _, x := range modes {
		if x == m {
			return true
		}
	}
	return false
}

// FindVolume picks the volume for pvc: one pre-bound to it if any, else
// the smallest fitting one (name breaks ties), as upstream.
func FindVolume(pvc *corev1.PersistentVolumeClaim, pvs []*corev1.PersistentVolume) *corev1.PersistentVolume {
	var best *corev1.PersistentVolume
	for _, pv := range pvs {
		if Fits(pv, pvc) != "" {
			continue
		}
		if claimedBy(pv, pvc) {
			return pv
		}
		if best == nil || smaller(pv, best) {
			best = pv
		}
	}
	return best
}

func smaller(a, b *corev1.PersistentVolume) bool {
	ca, cb := a.Spec.Capacity[corev1.ResourceStorage], b.Spec.Capacity[corev1.ResourceStorage]
	if c := ca.Cmp(cb); c != 0 {
		return c < 0
	}
	return a.Name < b.Name
}
