package pods

import (
	"context"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// ProbeStatus is what a container's probes report.
type ProbeStatus struct {
	Ready, Started bool
	// Unhealthy, when set, says why the container must be restarted.
	Unhealthy string
}

// Prober runs liveness, readiness and startup probes (package probes).
type Prober interface {
	// Sync starts and stops probing of pod's running containers; notify
	// is called when a result changes.
	Sync(ctx context.Context, pod *corev1.Pod, podIP, netns string, running []runtime.Container, notify func())
	// Status reports a container's probe results; ok is false when it has
	// no probes.
	Status(containerID string) (st ProbeStatus, ok bool)
	// Forget stops probing pod uid.
	Forget(uid string)
}

// syncProbes feeds the prober the running containers, restarts the ones
// whose liveness or startup probe failed, and returns the results by
// container ID and whether a container was killed.
func (c *Controller) syncProbes(ctx context.Context, w *worker, pod *corev1.Pod, obs Observed) (map[string]ProbeStatus, bool) {
	if c.cfg.Probes == nil {
		return nil, false
	}
	var running []runtime.Container
	for _, ctr := range obs.Containers {
		if ctr.State == runtime.StateRunning && !ctr.Init {
			running = append(running, ctr)
		}
	}
	key := w.key
	c.cfg.Probes.Sync(ctx, pod, w.podIP, w.netns, running, func() { c.poke(key) })
	out := map[string]ProbeStatus{}
	killed := false
	for _, ctr := range running {
		st, ok := c.cfg.Probes.Status(ctr.ID)
		if !ok {
			continue
		}
		out[ctr.ID] = st
		if st.Unhealthy == "" {
			continue
		}
		kind, _, _ := strings.Cut(st.Unhealthy, " ")
		c.event(ctx, pod, ctr.Name, corev1.EventTypeWarning, "Unhealthy", "%s", st.Unhealthy)
		c.event(ctx, pod, ctr.Name, corev1.EventTypeNormal, "Killing", "Container %s failed %s probe, will be restarted", ctr.Name, strings.ToLower(kind))
		c.cfg.Log.InfoContext(ctx, "killing unhealthy container", "pod", w.key, "container", ctr.Name, "reason", st.Unhealthy)
		if err := c.cfg.Runtime.StopContainer(ctx, ctr.ID, probeGrace(pod, findContainer(pod, ctr.Name))); err != nil {
			c.cfg.Log.WarnContext(ctx, "stop unhealthy container", "pod", w.key, "container", ctr.Name, "err", err)
		}
		killed = true
	}
	return out, killed
}

// probeGrace is the probe's terminationGracePeriodSeconds, else the pod's,
// else 30s.
func probeGrace(pod *corev1.Pod, ctr *corev1.Container) time.Duration {
	if ctr != nil {
		for _, p := range []*corev1.Probe{ctr.LivenessProbe, ctr.StartupProbe} {
			if p != nil && p.TerminationGracePeriodSeconds != nil {
				return time.Duration(*p.TerminationGracePeriodSeconds) * time.Second
			}
		}
	}
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil {
		return time.Duration(*g) * time.Second
	}
	return 30 * time.Second
}

// applyProbes overrides a running container's ready and started flags
// with its probe results; a probed container without results yet is
// neither ready nor (with a startup probe) started. probes is nil without
// a prober.
func applyProbes(cs *corev1.ContainerStatus, c *corev1.Container, probes map[string]ProbeStatus) {
	if cs.State.Running == nil || probes == nil {
		return
	}
	if ps, ok := probes[strings.TrimPrefix(cs.ContainerID, ContainerIDPrefix)]; ok {
		cs.Ready = ps.Ready
		*cs.Started = ps.Started
		return
	}
	if c.ReadinessProbe != nil || c.StartupProbe != nil {
		cs.Ready = false
	}
	if c.StartupProbe != nil {
		*cs.Started = false
	}
}
