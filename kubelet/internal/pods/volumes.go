package pods

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// Volumes prepares pod volumes on the node (package volumes; nil for
// hollow nodes, whose pods get none).
type Volumes interface {
	// Setup makes pod's volumes exist and current and returns each
	// volume's host path by name; it is called again to refresh them.
	Setup(ctx context.Context, pod *corev1.Pod) (map[string]string, error)
	// Teardown unmounts what Setup mounted for pod uid.
	Teardown(uid string) error
}

// volumeRefresh is how often ConfigMap, Secret, downward API and token
// volumes of a running pod are re-rendered.
const volumeRefresh = 5 * time.Second

// ensureVolumes sets the pod's volumes up once, then refreshes them every
// volumeRefresh. A failed refresh keeps the old content.
func (c *Controller) ensureVolumes(ctx context.Context, w *worker, pod *corev1.Pod) error {
	if c.cfg.Volumes == nil || len(pod.Spec.Volumes) == 0 {
		return nil
	}
	if w.volumes != nil && time.Since(w.volumesAt) < volumeRefresh {
		return nil
	}
	paths, err := c.cfg.Volumes.Setup(ctx, pod)
	if err != nil {
		if w.volumes != nil {
			c.cfg.Log.WarnContext(ctx, "volume refresh", "pod", w.key, "err", err)
			w.volumesAt = time.Now()
			return nil
		}
		if time.Since(w.volumesAt) >= 10*time.Second { // one event per 10s of retries
			c.event(ctx, pod, "", corev1.EventTypeWarning, "FailedMount", "Unable to mount volumes: %v", err)
			w.volumesAt = time.Now()
		}
		return fmt.Errorf("volumes: %w", err)
	}
	w.volumes, w.volumesAt = paths, time.Now()
	return nil
}

// volumeMounts turns ctr's volumeMounts into bind mounts of the volumes'
// host paths (paths by volume name), honouring subPath and readOnly.
// Missing subPath directories are created, as upstream does.
func volumeMounts(ctr *corev1.Container, paths map[string]string) ([]runtime.Mount, error) {
	var out []runtime.Mount
	for _, vm := range ctr.VolumeMounts {
		src, ok := paths[vm.Name]
		if !ok {
			return nil, fmt.Errorf("volume mount %q: no volume %q", vm.MountPath, vm.Name)
		}
		sub := vm.SubPath
		if sub == "" && vm.SubPathExpr != "" {
			return nil, fmt.Errorf("volume mount %q: subPathExpr is not supported", vm.MountPath)
		}
		if sub != "" {
			if filepath.IsAbs(sub) || strings.HasPrefix(filepath.Clean(sub), "..") {
				return nil, fmt.Errorf("volume mount %q: subPath %q must be a relative path within the volume", vm.MountPath, sub)
			}
			src = filepath.Join(src, sub)
			if _, err := os.Lstat(src); os.IsNotExist(err) {
				if err := os.MkdirAll(src, 0o755); err != nil {
					return nil, fmt.Errorf("volume mount %q: subPath: %w", vm.MountPath, err)
				}
			}
		}
		out = append(out, runtime.Mount{Source: src, Destination: vm.MountPath, ReadOnly: vm.ReadOnly})
	}
	return out, nil
}
