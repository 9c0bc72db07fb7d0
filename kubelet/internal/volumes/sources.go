package volumes

import (
	"context"
	"fmt"
	"maps"
	"os"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/wharfhq/wharf/kubelet/internal/fieldpath"
)

// keyFiles projects data through items (all keys when items is empty).
func keyFiles(data map[string][]byte, items []corev1.KeyToPath, def os.FileMode, what string, optional bool) (map[string]File, error) {
	out := map[string]File{}
	if len(items) == 0 {
		for k, v := range data {
			out[k] = File{Data: v, Mode: def}
		}
		return out, nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional {
				continue
			}
			return nil, fmt.Errorf("%s has no key %q", what, it.Key)
		}
		m := def
		if it.Mode != nil {
			m = mode(it.Mode)
		}
		out[it.Path] = File{Data: v, Mode: m}
	}
	return out, nil
}

func isOptional(b *bool) bool { return b != nil && *b }

func configMapData(cm *corev1.ConfigMap) map[string][]byte {
	data := make(map[string][]byte, len(cm.Data)+len(cm.BinaryData))
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	maps.Copy(data, cm.BinaryData)
	return data
}

func (m *Manager) configMapFiles(ctx context.Context, ns string, src *corev1.ConfigMapVolumeSource) (map[string]File, error) {
	cm, err := m.cfg.Objects.ConfigMap(ctx, ns, src.Name)
	if apierrors.IsNotFound(err) && isOptional(src.Optional) {
		return map[string]File{}, nil
	} else if err != nil {
		return nil, fmt.Errorf("configmap %q: %w", src.Name, err)
	}
	return keyFiles(configMapData(cm), src.Items, mode(src.DefaultMode), "configmap "+src.Name, isOptional(src.Optional))
}

func (m *Manager) secretFiles(ctx context.Context, ns string, src *corev1.SecretVolumeSource) (map[string]File, error) {
	s, err := m.cfg.Objects.Secret(ctx, ns, src.SecretName)
	if apierrors.IsNotFound(err) && isOptional(src.Optional) {
		return map[string]File{}, nil
	} else if err != nil {
		return nil, fmt.Errorf("secret %q: %w", src.SecretName, err)
	}
	return keyFiles(s.Data, src.Items, mode(src.DefaultMode), "secret "+src.SecretName, isOptional(src.Optional))
}

// downwardFiles renders downwardAPI items.
func downwardFiles(pod *corev1.Pod, items []corev1.DownwardAPIVolumeFile, def os.FileMode) (map[string]File, error) {
	out := map[string]File{}
	for _, it := range items {
		var v string
		var err error
		switch {
		case it.FieldRef != nil:
			v, err = fieldpath.Field(pod, it.FieldRef.FieldPath, fieldpath.IPs{})
		case it.ResourceFieldRef != nil:
			v, err = fieldpath.ContainerResource(pod, it.ResourceFieldRef)
		default:
			err = fmt.Errorf("item %q has no source", it.Path)
		}
		if err != nil {
			return nil, err
		}
		m := def
		if it.Mode != nil {
			m = mode(it.Mode)
		}
		out[it.Path] = File{Data: []byte(v), Mode: m}
	}
	return out, nil
}

// claimPath resolves a PersistentVolumeClaim to its bound PV's path.
func (m *Manager) claimPath(ctx context.Context, ns, claim string) (string, error) {
	pvc, err := m.cfg.Objects.PersistentVolumeClaim(ctx, ns, claim)
	if err != nil {
		return "", fmt.Errorf("claim %q: %w", claim, err)
	}
	if pvc.Status.Phase != corev1.ClaimBound || pvc.Spec.VolumeName == "" {
		return "", fmt.Errorf("claim %q is not bound", claim)
	}
	pv, err := m.cfg.Objects.PersistentVolume(ctx, pvc.Spec.VolumeName)
	if err != nil {
		return "", fmt.Errorf("volume %q of claim %q: %w", pvc.Spec.VolumeName, claim, err)
	}
	switch src := pv.Spec.PersistentVolumeSource; {
	case src.HostPath != nil:
		return src.HostPath.Path, checkHostPath(src.HostPath)
	case src.Local != nil:
		if _, err := os.Stat(src.Local.Path); err != nil {
			return "", fmt.Errorf("local volume %q: %w", pv.Name, err)
		}
		return src.Local.Path, nil
	}
	return "", fmt.Errorf("volume %q: only hostPath and local persistent volumes are supported", pv.Name)
}

// checkHostPath applies the hostPath type's checks (and creation).
func checkHostPath(src *corev1.HostPathVolumeSource) error {
	p := src.Path
	t := corev1.HostPathUnset
	if src.Type != nil {
		t = *src.Type
	}
	fi, err := os.Stat(p)
	exists := err == nil
	switch t {
	case corev1.HostPathUnset:
		return nil
	case corev1.HostPathDirectoryOrCreate:
		if !exists {
			return os.MkdirAll(p, 0o755)
		}
		return want(fi.IsDir(), p, "a directory")
	case corev1.HostPathFileOrCreate:
		if !exists {
			if err := os.MkdirAll(parent(p), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return err
			}
			return f.Close()
		}
		return want(fi.Mode().IsRegular(), p, "a file")
	}
	if !exists {
		return fmt.Errorf("hostPath type check failed: %s does not exist", p)
	}
	switch t {
	case corev1.HostPathDirectory:
		return want(fi.IsDir(), p, "a directory")
	case corev1.HostPathFile:
		return want(fi.Mode().IsRegular(), p, "a file")
	case corev1.HostPathSocket:
		return want(fi.Mode()&os.ModeSocket != 0, p, "a socket")
	case corev1.HostPathCharDev:
		return want(fi.Mode()&os.ModeCharDevice != 0, p, "a character device")
	case corev1.HostPathBlockDev:
		return want(fi.Mode()&os.ModeDevice != 0 && fi.Mode()&os.ModeCharDevice == 0, p, "a block device")
	}
	return fmt.Errorf("unknown hostPath type %q", t)
}

func want(ok bool, p, what string) error {
	if !ok {
		return fmt.Errorf("hostPath type check failed: %s is not %s", p, what)
	}
	return nil
}

func parent(p string) string {
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		return p[:i]
	}
	return "/"
}
