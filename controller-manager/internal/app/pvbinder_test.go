package app

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

func hostPathPV(name, size string, policy corev1.PersistentVolumeReclaimPolicy) *corev1.PersistentVolume {
	return &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeReclaimPolicy: policy,
			PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/tmp/" + name}},
		},
	}
}

func pvClaim(name, size string) *corev1.PersistentVolumeClaim {
	empty := ""
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: &empty,
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}},
		},
	}
}

func TestPVBinderBindsClaimsToMatchingVolumes(t *testing.T) {
	c := startControllers(t, "persistentvolume-binder")
	ctx := context.Background()
	for _, pv := range []*corev1.PersistentVolume{hostPathPV("small", "1Gi", corev1.PersistentVolumeReclaimRetain), hostPathPV("big", "10Gi", corev1.PersistentVolumeReclaimRetain)} {
		if _, err := client.PersistentVolumes(c).Create(ctx, pv, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, pvc := range []*corev1.PersistentVolumeClaim{pvClaim("wants-5", "5Gi"), pvClaim("wants-100", "100Gi")} {
		if _, err := client.PersistentVolumeClaims(c, "default").Create(ctx, pvc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "wants-5 bound to big", func() (bool, error) {
		pvc, err := client.PersistentVolumeClaims(c, "default").Get(ctx, "wants-5", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		pv, err := client.PersistentVolumes(c).Get(ctx, "big", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return pvc.Spec.VolumeName == "big" && pvc.Status.Phase == corev1.ClaimBound &&
			pv.Spec.ClaimRef != nil && pv.Spec.ClaimRef.UID == pvc.UID && pv.Status.Phase == corev1.VolumeBound, nil
	})
	eventually(t, "wants-100 pending, small available", func() (bool, error) {
		pvc, err := client.PersistentVolumeClaims(c, "default").Get(ctx, "wants-100", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		pv, err := client.PersistentVolumes(c).Get(ctx, "small", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return pvc.Spec.VolumeName == "" && pvc.Status.Phase == corev1.ClaimPending && pv.Status.Phase == corev1.VolumeAvailable, nil
	})
	// A volume added later is bound to the waiting claim.
	if _, err := client.PersistentVolumes(c).Create(ctx, hostPathPV("huge", "200Gi", corev1.PersistentVolumeReclaimRetain), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "wants-100 bound to huge", func() (bool, error) {
		pvc, err := client.PersistentVolumeClaims(c, "default").Get(ctx, "wants-100", metav1.GetOptions{})
		return err == nil && pvc.Spec.VolumeName == "huge" && pvc.Status.Phase == corev1.ClaimBound, err
	})
	// Deleting a claim releases its Retain volume.
	if err := client.PersistentVolumeClaims(c, "default").Delete(ctx, "wants-5", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "big released", func() (bool, error) {
		pv, err := client.PersistentVolumes(c).Get(ctx, "big", metav1.GetOptions{})
		return err == nil && pv.Status.Phase == corev1.VolumeReleased, err
	})
}

// TestHostPathProvisionerWithDefaultClass: a claim without a class gets
// the default StorageClass, and the hostPath provisioner creates a volume
// that the binder binds to it.
func TestHostPathProvisionerWithDefaultClass(t *testing.T) {
	c := startControllers(t, "persistentvolume-binder")
	ctx := context.Background()
	sc := &storagev1.StorageClass{
		ObjectMeta:  metav1.ObjectMeta{Name: "local", Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}},
		Provisioner: "wharf.io/hostpath",
	}
	if _, err := client.StorageClasses(c).Create(ctx, sc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pvc := pvClaim("data", "2Gi")
	pvc.Spec.StorageClassName = nil
	created, err := client.PersistentVolumeClaims(c, "default").Create(ctx, pvc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "claim bound to a provisioned hostPath volume", func() (bool, error) {
		pvc, err := client.PersistentVolumeClaims(c, "default").Get(ctx, "data", metav1.GetOptions{})
		if err != nil || pvc.Status.Phase != corev1.ClaimBound {
			return false, err
		}
		pv, err := client.PersistentVolumes(c).Get(ctx, pvc.Spec.VolumeName, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		ok := pv.Name == "pvc-"+string(created.UID) && pv.Spec.HostPath != nil && pv.Spec.StorageClassName == "local" &&
			pv.Status.Phase == corev1.VolumeBound && pvc.Spec.StorageClassName != nil && *pvc.Spec.StorageClassName == "local"
		size := pv.Spec.Capacity[corev1.ResourceStorage]
		return ok && size.String() == "2Gi", nil
	})
}
