package containerd

import (
	"context"
	"path"
	"strconv"

	ctrd "github.com/containerd/containerd"
	"github.com/containerd/containerd/containers"
	"github.com/containerd/containerd/oci"
	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// resourceOpts places the container in its own cgroup below the pod's and
// applies its limits and oom_score_adj.
func resourceOpts(spec runtime.ContainerSpec) []oci.SpecOpts {
	var opts []oci.SpecOpts
	if spec.CgroupParent != "" {
		opts = append(opts, oci.WithCgroup(path.Join(spec.CgroupParent, spec.Name+"-"+strconv.Itoa(spec.Attempt))))
	}
	r := spec.Resources
	if r == nil {
		return opts
	}
	if r.CPUShares > 0 {
		opts = append(opts, oci.WithCPUShares(r.CPUShares))
	}
	if r.CPUQuota > 0 {
		opts = append(opts, oci.WithCPUCFS(r.CPUQuota, r.CPUPeriod))
	}
	if r.MemoryLimit > 0 {
		opts = append(opts, oci.WithMemoryLimit(uint64(r.MemoryLimit)))
	}
	if r.PidsLimit > 0 {
		opts = append(opts, oci.WithPidsLimit(r.PidsLimit))
	}
	adj := r.OOMScoreAdj
	opts = append(opts, func(_ context.Context, _ oci.Client, _ *containers.Container, s *specs.Spec) error {
		if s.Process == nil {
			s.Process = &specs.Process{}
		}
		s.Process.OOMScoreAdj = &adj
		return nil
	})
	return opts
}

// oomKilled reports whether the kernel OOM-killed a process of ctr, which
// exited with a non-zero code. The answer is kept in a label, so it
// survives the cgroup (removed with the task) and costs one read per exit.
func (c *Containerd) oomKilled(ctx context.Context, ctr ctrd.Container, labels map[string]string) bool {
	if v, ok := labels[runtime.LabelOOMKilled]; ok {
		return v == "true"
	}
	if c.cgroups == nil {
		return false
	}
	s, err := ctr.Spec(ctx)
	if err != nil || s.Linux == nil || s.Linux.CgroupsPath == "" {
		return false
	}
	kills, err := c.cgroups.OOMKills(s.Linux.CgroupsPath)
	if err != nil {
		c.log.DebugContext(ctx, "oom check", "container", ctr.ID(), "err", err)
		return false
	}
	oom := kills > 0
	if _, err := ctr.SetLabels(ctx, map[string]string{runtime.LabelOOMKilled: strconv.FormatBool(oom)}); err != nil {
		c.log.WarnContext(ctx, "record oom", "container", ctr.ID(), "err", err)
	}
	return oom
}
