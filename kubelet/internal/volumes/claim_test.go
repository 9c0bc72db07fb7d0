package volumes

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// claimObjects adds claims and volumes to fakeObjects.
type claimObjects struct {
	*fakeObjects
	pvcs map[string]*corev1.PersistentVolumeClaim
	pvs  map[string]*corev1.PersistentVolume
}

func (f *claimObjects) PersistentVolumeClaim(_ context.Context, _, name string) (*corev1.PersistentVolumeClaim, error) {
	if c, ok := f.pvcs[name]; ok {
		return c, nil
	}
	return nil, notFound("persistentvolumeclaims", name)
}

func (f *claimObjects) PersistentVolume(_ context.Context, name string) (*corev1.PersistentVolume, error) {
	if v, ok := f.pvs[name]; ok {
		return v, nil
	}
	return nil, notFound("persistentvolumes", name)
}

func claim(name, volume string, phase corev1.PersistentVolumeClaimPhase) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PersistentVolumeClaimSpec{VolumeName: volume}, Status: corev1.PersistentVolumeClaimStatus{Phase: phase}}
}

func claimPod(claims ...string) *corev1.Pod {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u-claims"}}
	for _, c := range claims {
		pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: c,
			VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: c}}})
	}
	return pod
}

// A bound claim mounts its hostPath or local PV's directory; unbound,
// missing and unsupported claims fail with the claim's name in the error.
func TestPersistentVolumeClaims(t *testing.T) {
	hostDir, localDir := filepath.Join(t.TempDir(), "pv-host"), t.TempDir()
	dirOrCreate := corev1.HostPathDirectoryOrCreate
	objs := &claimObjects{fakeObjects: &fakeObjects{},
		pvcs: map[string]*corev1.PersistentVolumeClaim{
			"data":    claim("data", "pv-host", corev1.ClaimBound),
			"fast":    claim("fast", "pv-local", corev1.ClaimBound),
			"pending": claim("pending", "", corev1.ClaimPending),
			"nfs":     claim("nfs", "pv-nfs", corev1.ClaimBound),
		},
		pvs: map[string]*corev1.PersistentVolume{
			"pv-host": {ObjectMeta: metav1.ObjectMeta{Name: "pv-host"}, Spec: corev1.PersistentVolumeSpec{PersistentVolumeSource: corev1.PersistentVolumeSource{
				HostPath: &corev1.HostPathVolumeSource{Path: hostDir, Type: &dirOrCreate}}}},
			"pv-local": {ObjectMeta: metav1.ObjectMeta{Name: "pv-local"}, Spec: corev1.PersistentVolumeSpec{PersistentVolumeSource: corev1.PersistentVolumeSource{
				Local: &corev1.LocalVolumeSource{Path: localDir}}}},
			"pv-nfs": {ObjectMeta: metav1.ObjectMeta{Name: "pv-nfs"}, Spec: corev1.PersistentVolumeSpec{PersistentVolumeSource: corev1.PersistentVolumeSource{
				NFS: &corev1.NFSVolumeSource{Server: "x", Path: "/"}}}},
		}}
	m := New(Config{RootDir: t.TempDir(), Objects: objs})
	paths, err := m.Setup(context.Background(), claimPod("data", "fast"))
	if err != nil {
		t.Fatalf("bound claims: %v", err)
	}
	if paths["data"] != hostDir || paths["fast"] != localDir {
		t.Fatalf("paths = %v, want data=%s fast=%s", paths, hostDir, localDir)
	}
	if fi, err := os.Stat(hostDir); err != nil || !fi.IsDir() {
		t.Fatalf("hostPath PV with DirectoryOrCreate not created: %v", err)
	}
	for _, bad := range []string{"pending", "missing", "nfs"} {
		_, err := m.Setup(context.Background(), claimPod(bad))
		if err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("claim %s: err = %v, want an error naming it", bad, err)
		}
	}
}
