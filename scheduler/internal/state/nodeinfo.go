package state

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Well-known taints the scheduler synthesizes from node conditions when
// nothing else (a node lifecycle controller) has added them yet.
const (
	TaintNodeNotReady    = "node.kubernetes.io/not-ready"
	TaintNodeUnreachable = "node.kubernetes.io/unreachable"
)

// NodeInfo is one node and the pods the scheduler believes run on it.
type NodeInfo struct {
	// Node is nil for a node known only from its pods (its Node object
	// has not been seen yet); such nodes are never in a Snapshot.
	Node             *corev1.Node
	Name             string
	Allocatable      Resource
	Requested        Resource
	NonZeroRequested Resource
	// Taints includes taints synthesized from a not-Ready condition.
	Taints []corev1.Taint
	Pods   []*PodInfo
	// UsedPorts counts pods per host port.
	UsedPorts map[HostPort]int
	// AntiAffinityPods are the pods on this node with required anti-affinity.
	AntiAffinityPods []*PodInfo
	// Generation increases with every change; the cache uses it to copy
	// only changed nodes into a snapshot.
	Generation int64
}

// NewNodeInfo returns a NodeInfo for node with no pods.
func NewNodeInfo(node *corev1.Node) *NodeInfo {
	n := &NodeInfo{}
	n.SetNode(node)
	return n
}

// SetNode replaces the node object, keeping the pods.
func (n *NodeInfo) SetNode(node *corev1.Node) {
	n.Node = node
	if node == nil {
		return
	}
	n.Name = node.Name
	n.Allocatable = FromList(node.Status.Allocatable)
	n.Taints = effectiveTaints(node)
}

// effectiveTaints returns the node's taints plus a NoSchedule not-ready or
// unreachable taint when the Ready condition says so and the taint is absent.
func effectiveTaints(node *corev1.Node) []corev1.Taint {
	taints := node.Spec.Taints
	for _, c := range node.Status.Conditions {
		if c.Type != corev1.NodeReady || c.Status == corev1.ConditionTrue {
			continue
		}
		key := TaintNodeNotReady
		if c.Status == corev1.ConditionUnknown {
			key = TaintNodeUnreachable
		}
		for _, t := range taints {
			if t.Key == key {
				return taints
			}
		}
		out := append([]corev1.Taint(nil), taints...)
		return append(out, corev1.Taint{Key: key, Effect: corev1.TaintEffectNoSchedule})
	}
	return taints
}

// AddPod accounts pi on n.
func (n *NodeInfo) AddPod(pi *PodInfo) {
	n.Pods = append(n.Pods, pi)
	n.Requested.Add(&pi.Requests)
	n.NonZeroRequested.Add(&pi.NonZero)
	if len(pi.Ports) > 0 && n.UsedPorts == nil {
		n.UsedPorts = make(map[HostPort]int)
	}
	for _, p := range pi.Ports {
		n.UsedPorts[p]++
	}
	if len(pi.AntiAffinity) > 0 {
		n.AntiAffinityPods = append(n.AntiAffinityPods, pi)
	}
}

// RemovePod removes the pod with uid from n; it reports whether it was there.
func (n *NodeInfo) RemovePod(uid types.UID) bool {
	i := n.indexOf(uid)
	if i < 0 {
		return false
	}
	pi := n.Pods[i]
	n.Pods = append(n.Pods[:i:i], n.Pods[i+1:]...)
	n.Requested.Sub(&pi.Requests)
	n.NonZeroRequested.Sub(&pi.NonZero)
	for _, p := range pi.Ports {
		if n.UsedPorts[p]--; n.UsedPorts[p] <= 0 {
			delete(n.UsedPorts, p)
		}
	}
	for j, a := range n.AntiAffinityPods {
		if a.Pod.UID == uid {
			n.AntiAffinityPods = append(n.AntiAffinityPods[:j:j], n.AntiAffinityPods[j+1:]...)
			break
		}
	}
	return true
}

func (n *NodeInfo) indexOf(uid types.UID) int {
	for i, p := range n.Pods {
		if p.Pod.UID == uid {
			return i
		}
	}
	return -1
}

// Clone returns a copy of n that shares the immutable node and pod objects
// but none of the accounting, so later changes to n do not show through.
func (n *NodeInfo) Clone() *NodeInfo {
	c := *n
	c.Allocatable = n.Allocatable.Clone()
	c.Requested = n.Requested.Clone()
	c.NonZeroRequested = n.NonZeroRequested.Clone()
	c.Pods = append([]*PodInfo(nil), n.Pods...)
	c.AntiAffinityPods = append([]*PodInfo(nil), n.AntiAffinityPods...)
	if n.UsedPorts != nil {
		c.UsedPorts = make(map[HostPort]int, len(n.UsedPorts))
		for k, v := range n.UsedPorts {
			c.UsedPorts[k] = v
		}
	}
	return &c
}

// Labels returns the node's labels (nil for a placeholder node).
func (n *NodeInfo) Labels() map[string]string {
	if n.Node == nil {
		return nil
	}
	return n.Node.Labels
}
