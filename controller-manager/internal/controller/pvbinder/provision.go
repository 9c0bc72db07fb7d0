package pvbinder

import (
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// HostPathProvisioner is the provisioner name of Wharf's built-in dynamic
// provisioner: a StorageClass naming it gets, for every claim, a hostPath
// volume under Config.HostPathRoot (for single-node and test clusters, as
// upstream's hostpath provisioner).
const HostPathProvisioner = "wharf.io/hostpath"

const (
	annDefaultClass  = "storageclass.kubernetes.io/is-default-class"
	annProvisionedBy = "pv.kubernetes.io/provisioned-by"
)

// defaultClass returns the class marked default (the newest if several,
// as upstream), or nil.
func defaultClass(classes []*storagev1.StorageClass) *storagev1.StorageClass {
	var best *storagev1.StorageClass
	for _, c := range classes {
		if c.Annotations[annDefaultClass] != "true" {
			continue
		}
		if best == nil || c.CreationTimestamp.After(best.CreationTimestamp.Time) {
			best = c
		}
	}
	return best
}

// classNamed returns the class called name, or nil.
func classNamed(classes []*storagev1.StorageClass, name string) *storagev1.StorageClass {
	for _, c := range classes {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// provisionedVolume is the volume the hostPath provisioner creates for
// pvc: named pvc-<uid>, pre-bound to the claim, sized as requested.
func provisionedVolume(pvc *corev1.PersistentVolumeClaim, class *storagev1.StorageClass, root string) *corev1.PersistentVolume {
	name := "pvc-" + string(pvc.UID)
	policy := corev1.PersistentVolumeReclaimDelete
	if class.ReclaimPolicy != nil {
		policy = *class.ReclaimPolicy
	}
	dirOrCreate := corev1.HostPathDirectoryOrCreate
	modes := pvc.Spec.AccessModes
	if len(modes) == 0 {
		modes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	return &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{annProvisionedBy: HostPathProvisioner}},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: pvc.Spec.Resources.Requests[corev1.ResourceStorage]},
			AccessModes:                   modes,
			PersistentVolumeReclaimPolicy: policy,
			StorageClassName:              class.Name,
			VolumeMode:                    pvc.Spec.VolumeMode,
			MountOptions:                  class.MountOptions,
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{
				Path: filepath.Join(root, name), Type: &dirOrCreate,
			}},
			ClaimRef: &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1",
				Namespace: pvc.Namespace, Name: pvc.Name, UID: pvc.UID},
		},
	}
}
