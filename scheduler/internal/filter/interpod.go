package filter

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/scheduler/internal/state"
)

// InterPodAntiAffinity enforces required pod anti-affinity in both
// directions for topology keys that are node-local: the pod's own terms
// against pods on n, and the terms of pods on n against the pod. A term
// whose topology key is missing from the node's labels is ignored, as
// upstream. Wider topologies (zones) are resolved by PodInfo.PrepareTopology
// before filtering; this filter reads its result.
func InterPodAntiAffinity(pod *state.PodInfo, n *state.NodeInfo) *Reason {
	lbls := n.Labels()
	if msg := pod.ForbiddenOn(lbls); msg != "" {
		return &Reason{Message: msg}
	}
	for i := range pod.AntiAffinity {
		t := &pod.AntiAffinity[i]
		if _, ok := lbls[t.TopologyKey]; !ok || t.TopologyKey != state.HostnameLabel {
			continue
		}
		for _, other := range n.Pods {
			if other.Pod.UID != pod.Pod.UID && t.Matches(other.Pod) {
				return &Reason{Message: state.MsgAntiAffinity}
			}
		}
	}
	for _, other := range n.AntiAffinityPods {
		if other.Pod.UID != pod.Pod.UID && existingForbids(other, pod.Pod, lbls) {
			return &Reason{Message: state.MsgExistingAntiAff}
		}
	}
	return nil
}

func existingForbids(other *state.PodInfo, pod *corev1.Pod, lbls map[string]string) bool {
	for i := range other.AntiAffinity {
		t := &other.AntiAffinity[i]
		if _, ok := lbls[t.TopologyKey]; ok && t.TopologyKey == state.HostnameLabel && t.Matches(pod) {
			return true
		}
	}
	return false
}
