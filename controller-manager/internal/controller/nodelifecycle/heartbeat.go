package nodelifecycle

import (
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
)

// heartbeats remembers, per node, the last heartbeat seen (lease
// renewTime or Ready condition heartbeat) and when this controller first
// saw it, by its own clock — so clock skew between kubelet and controller
// does not matter, as upstream.
type heartbeats struct {
	mu    sync.Mutex
	nodes map[string]observation
}

type observation struct {
	probe  time.Time
	seenAt time.Time
}

func newHeartbeats() *heartbeats { return &heartbeats{nodes: map[string]observation{}} }

// observe records probe for node and returns when it last changed.
func (h *heartbeats) observe(node string, probe, now time.Time) time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	o, ok := h.nodes[node]
	if !ok || !o.probe.Equal(probe) {
		o = observation{probe: probe, seenAt: now}
		h.nodes[node] = o
	}
	return o.seenAt
}

func (h *heartbeats) forget(node string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.nodes, node)
}

// Probe is the node's latest heartbeat: its lease's renewTime or its
// Ready condition's lastHeartbeatTime, whichever is later.
func Probe(n *corev1.Node, lease *coordinationv1.Lease) time.Time {
	var t time.Time
	if rc := ReadyCondition(n); rc != nil {
		t = rc.LastHeartbeatTime.Time
	}
	if lease != nil && lease.Spec.RenewTime != nil && lease.Spec.RenewTime.After(t) {
		t = lease.Spec.RenewTime.Time
	}
	return t
}
