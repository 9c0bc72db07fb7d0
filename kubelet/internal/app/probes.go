package app

import (
	"github.com/wharfhq/wharf/kubelet/internal/pods"
	"github.com/wharfhq/wharf/kubelet/internal/probes"
)

// podProber adapts probes.Manager to pods.Prober (pods does not import
// probes, which dials into network namespaces).
type podProber struct{ *probes.Manager }

func (p podProber) Status(id string) (pods.ProbeStatus, bool) {
	st, ok := p.Manager.Status(id)
	return pods.ProbeStatus{Ready: st.Ready, Started: st.Started, Unhealthy: st.Unhealthy}, ok
}
