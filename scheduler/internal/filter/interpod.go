package filter

import (
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
			if other.Pod.UID != pod.Pod.UID && t.Matches(other.Pod, nil) {
				return &Reason{Message: state.MsgAntiAffinity}
			}
		}
	}
	for _, other := range n.AntiAffinityPods {
		if other.Pod.UID != pod.Pod.UID && existingForbids(other, pod, lbls) {
			return &Reason{Message: state.MsgExistingAntiAff}
		}
	}
	return nil
}

func existingForbids(other, pod *state.PodInfo, lbls map[string]string) bool {
	for i := range other.AntiAffinity {
		t := &other.AntiAffinity[i]
		if _, ok := lbls[t.TopologyKey]; ok && t.TopologyKey == state.HostnameLabel && t.Matches(pod.Pod, pod.NamespaceLabels) {
			return true
		}
	}
	return false
}

// InterPodAffinity enforces required pod affinity: for every term the node
// must carry the term's topology key, and its domain (the node itself for
// the hostname, its zone for a zone key) must already hold a pod the term
// selects. As upstream, when no pod in the cluster matches any term and
// the pod matches all its own terms, it may start the group anywhere the
// keys exist. It reads pod.AffinityCounts from PodInfo.PrepareTopology.
func InterPodAffinity(pod *state.PodInfo, n *state.NodeInfo) *Reason {
	if len(pod.Affinity) == 0 {
		return nil
	}
	lbls := n.Labels()
	exist := true
	for i := range pod.Affinity {
		t := &pod.Affinity[i]
		v, ok := lbls[t.TopologyKey]
		if !ok {
			return &Reason{Message: state.MsgAffinity}
		}
		exist = exist && pod.AffinityCounts[t.TopologyKey][v] > 0
	}
	if exist || (len(pod.AffinityCounts) == 0 && pod.MatchesOwnAffinity()) {
		return nil
	}
	return &Reason{Message: state.MsgAffinity}
}
