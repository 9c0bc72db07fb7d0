package pvbinder

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func pv(name, size, class string, modes ...corev1.PersistentVolumeAccessMode) *corev1.PersistentVolume {
	return &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"tier": name}},
		Spec: corev1.PersistentVolumeSpec{Capacity: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)},
			AccessModes: modes, StorageClassName: class},
		Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeAvailable},
	}
}

func pvc(size string, class *string, modes ...corev1.PersistentVolumeAccessMode) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "ns", UID: "claim-uid"},
		Spec: corev1.PersistentVolumeClaimSpec{AccessModes: modes, StorageClassName: class,
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}}},
	}
}

func TestFindVolume(t *testing.T) {
	rwo, rwx := corev1.ReadWriteOnce, corev1.ReadWriteMany
	fast := "fast"
	taken := pv("taken", "1Gi", "", rwo)
	taken.Spec.ClaimRef = &corev1.ObjectReference{Namespace: "ns", Name: "other"}
	prebound := pv("prebound", "10Gi", "", rwo)
	prebound.Spec.ClaimRef = &corev1.ObjectReference{Namespace: "ns", Name: "data"}
	released := pv("released", "1Gi", "", rwo)
	released.Status.Phase = corev1.VolumeReleased
	all := []*corev1.PersistentVolume{pv("big", "10Gi", "", rwo), pv("small", "2Gi", "", rwo, rwx), pv("tiny", "500Mi", "", rwo),
		pv("fast", "5Gi", "fast", rwo), taken, released}
	tests := []struct {
		name  string
		claim *corev1.PersistentVolumeClaim
		pvs   []*corev1.PersistentVolume
		want  string
	}{
		{"smallest that fits", pvc("1Gi", nil, rwo), all, "small"},
		{"access modes", pvc("1Gi", nil, rwx), all, "small"},
		{"capacity", pvc("3Gi", nil, rwo), all, "big"},
		{"storage class", pvc("1Gi", &fast, rwo), all, "fast"},
		{"nothing fits", pvc("20Gi", nil, rwo), all, ""},
		{"pre-bound volume wins", pvc("1Gi", nil, rwo), append(all, prebound), "prebound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FindVolume(tt.claim, tt.pvs)
			name := ""
			if got != nil {
				name = got.Name
			}
			if name != tt.want {
				t.Errorf("FindVolume = %q, want %q", name, tt.want)
			}
		})
	}
	sel := pvc("1Gi", nil, rwo)
	sel.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "big"}}
	if got := FindVolume(sel, all); got == nil || got.Name != "big" {
		t.Errorf("selector: got %v, want big", got)
	}
	named := pvc("1Gi", nil, rwo)
	named.Spec.VolumeName = "tiny"
	if got := FindVolume(named, all); got != nil {
		t.Errorf("volumeName of a too-small volume matched %s", got.Name)
	}
}
