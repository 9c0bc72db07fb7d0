package pods

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// PodCgroups places pods and their containers in cgroups (package
// cgroups). A nil PodCgroups in Config leaves containerd's defaults and
// sets no limits (hollow nodes, unit tests).
type PodCgroups interface {
	// EnsurePod creates pod's cgroup with the pod-level limits and returns
	// its path, the parent of the containers' cgroups.
	EnsurePod(ctx context.Context, pod *corev1.Pod) (string, error)
	// RemovePod removes pod uid's cgroup once its containers are gone.
	RemovePod(ctx context.Context, uid types.UID) error
	// ContainerResources are container c's limits and oom_score_adj.
	ContainerResources(pod *corev1.Pod, c *corev1.Container) runtime.Resources
}

// ensureCgroup creates the pod's cgroup once per worker.
func (c *Controller) ensureCgroup(ctx context.Context, w *worker, pod *corev1.Pod) error {
	if c.cfg.Cgroups == nil || w.cgroup != "" {
		return nil
	}
	p, err := c.cfg.Cgroups.EnsurePod(ctx, pod)
	if err != nil {
		return err
	}
	w.cgroup = p
	return nil
}

// withResources adds ctr's cgroup settings to spec.
func (c *Controller) withResources(w *worker, pod *corev1.Pod, ctr *corev1.Container, spec *runtime.ContainerSpec) {
	if c.cfg.Cgroups == nil {
		return
	}
	r := c.cfg.Cgroups.ContainerResources(pod, ctr)
	spec.CgroupParent, spec.Resources = w.cgroup, &r
}

// removeCgroup removes pod uid's cgroup after its containers.
func (c *Controller) removeCgroup(ctx context.Context, uid types.UID) error {
	if c.cfg.Cgroups == nil {
		return nil
	}
	return c.cfg.Cgroups.RemovePod(ctx, uid)
}
