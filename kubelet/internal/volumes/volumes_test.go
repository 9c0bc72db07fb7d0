package volumes

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

type fakeObjects struct {
	cms     map[string]*corev1.ConfigMap
	secrets map[string]*corev1.Secret
	tokens  int
}

func notFound(r, n string) error {
	return apierrors.NewNotFound(schema.GroupResource{Resource: r}, n)
}

func (f *fakeObjects) ConfigMap(_ context.Context, _, name string) (*corev1.ConfigMap, error) {
	if cm, ok := f.cms[name]; ok {
		return cm, nil
	}
	return nil, notFound("configmaps", name)
}

func (f *fakeObjects) Secret(_ context.Context, _, name string) (*corev1.Secret, error) {
	if s, ok := f.secrets[name]; ok {
		return s, nil
	}
	return nil, notFound("secrets", name)
}

func (f *fakeObjects) PersistentVolumeClaim(_ context.Context, _, name string) (*corev1.PersistentVolumeClaim, error) {
	return nil, notFound("persistentvolumeclaims", name)
}

func (f *fakeObjects) PersistentVolume(_ context.Context, name string) (*corev1.PersistentVolume, error) {
	return nil, notFound("persistentvolumes", name)
}

func (f *fakeObjects) ServiceAccountToken(_ context.Context, _, _ string, req *authenticationv1.TokenRequest) (*authenticationv1.TokenRequest, error) {
	f.tokens++
	out := req.DeepCopy()
	out.Status.Token = "tok-" + strings.Repeat("x", f.tokens)
	return out, nil
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	if ch, err := WriteAtomic(dir, map[string]File{"a": {Data: []byte("1"), Mode: 0o600}, "d/b": {Data: []byte("2"), Mode: 0o644}}); err != nil || !ch {
		t.Fatalf("first write: %v %v", ch, err)
	}
	if got := read(t, filepath.Join(dir, "d/b")); got != "2" {
		t.Errorf("d/b = %q", got)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "a")); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v", fi.Mode())
	}
	if ch, err := WriteAtomic(dir, map[string]File{"a": {Data: []byte("1"), Mode: 0o600}, "d/b": {Data: []byte("2"), Mode: 0o644}}); err != nil || ch {
		t.Errorf("unchanged write: %v %v", ch, err)
	}
	old, _ := os.Readlink(filepath.Join(dir, dataLink))
	if ch, err := WriteAtomic(dir, map[string]File{"a": {Data: []byte("new"), Mode: 0o644}}); err != nil || !ch {
		t.Fatalf("update: %v %v", ch, err)
	}
	if got := read(t, filepath.Join(dir, "a")); got != "new" {
		t.Errorf("a = %q", got)
	}
	if _, err := os.Lstat(filepath.Join(dir, "d")); !os.IsNotExist(err) {
		t.Errorf("stale link d: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, old)); !os.IsNotExist(err) {
		t.Errorf("old data dir kept: %v", err)
	}
	for _, bad := range []string{"/abs", "../x", "a/..b"} {
		if _, err := WriteAtomic(dir, map[string]File{bad: {}}); err == nil {
			t.Errorf("path %q accepted", bad)
		}
	}
}

func TestSetup(t *testing.T) {
	root := t.TempDir()
	objs := &fakeObjects{
		cms:     map[string]*corev1.ConfigMap{"cfg": {Data: map[string]string{"k1": "v1", "k2": "v2"}}, "kube-root-ca.crt": {Data: map[string]string{"ca.crt": "CA"}}},
		secrets: map[string]*corev1.Secret{},
	}
	m := New(Config{RootDir: root, Objects: objs})
	mode := int32(0o600)
	dirOrCreate := corev1.HostPathDirectoryOrCreate
	exp := int64(3607)
	hp := filepath.Join(t.TempDir(), "made")
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1", Labels: map[string]string{"b": "2", "a": "1"}},
		Spec: corev1.PodSpec{Volumes: []corev1.Volume{
			{Name: "cm", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"},
				Items: []corev1.KeyToPath{{Key: "k1", Path: "sub/one", Mode: &mode}}}}},
			{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: hp, Type: &dirOrCreate}}},
			{Name: "down", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{
				{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}}}}}},
			{Name: "sa", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: &exp}},
				{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"}}},
				{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}}}},
			}}}},
		}}}
	if os.Geteuid() != 0 {
		pod.Spec.Volumes = pod.Spec.Volumes[:3] // projected volumes need a tmpfs mount
	}
	paths, err := m.Setup(context.Background(), pod)
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(paths["cm"], "sub/one")); got != "v1" {
		t.Errorf("configmap item = %q", got)
	}
	if fi, err := os.Stat(hp); err != nil || !fi.IsDir() || paths["host"] != hp {
		t.Errorf("hostPath DirectoryOrCreate: %v", err)
	}
	if got := read(t, filepath.Join(paths["down"], "labels")); got != "a=\"1\"\nb=\"2\"" {
		t.Errorf("labels = %q", got)
	}
	if os.Geteuid() == 0 {
		if got := read(t, filepath.Join(paths["sa"], "token")) + read(t, filepath.Join(paths["sa"], "namespace")) + read(t, filepath.Join(paths["sa"], "ca.crt")); got != "tok-xnsCA" {
			t.Errorf("projected = %q", got)
		}
		if !mountPoint(paths["sa"]) {
			t.Error("projected volume not on tmpfs")
		}
	}
	objs.cms["cfg"].Data["k1"] = "changed"
	if _, err := m.Setup(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(paths["cm"], "sub/one")); got != "changed" {
		t.Errorf("after update = %q", got)
	}
	if objs.tokens > 1 {
		t.Errorf("token requested %d times", objs.tokens)
	}
	if err := m.Teardown("u1"); err != nil {
		t.Fatal(err)
	}
	if mountPoint(paths["sa"]) {
		t.Error("tmpfs still mounted after Teardown")
	}
	pod.Spec.Volumes = []corev1.Volume{{Name: "x", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "missing"}}}}}
	if _, err := m.Setup(context.Background(), pod); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing configmap: %v", err)
	}
}
