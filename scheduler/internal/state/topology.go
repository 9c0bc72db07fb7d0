package state

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// HostnameLabel is the node-local topology key; anti-affinity over it is
// checked per node without a cluster-wide pass.
const HostnameLabel = "kubernetes.io/hostname"

// Anti-affinity messages, as upstream words them.
const (
	MsgAntiAffinity    = "node(s) didn't match pod anti-affinity rules"
	MsgExistingAntiAff = "node(s) didn't satisfy existing pods anti-affinity rules"
)

// MsgAffinity is upstream's message for unmet required pod affinity.
const MsgAffinity = "node(s) didn't match pod affinity rules"

// PrepareTopology readies pi for filtering against s: it resolves the
// namespaceSelectors of pi's terms with s.Namespaces, records the labels of
// pi's namespace, counts the pods matching pi's affinity terms per topology
// domain, and fills pi.Forbidden with the domains (zones, racks: any key but
// the hostname) that required anti-affinity rules out, in both directions.
// It scans the snapshot at most once per attempt, so filters stay per-node.
func (pi *PodInfo) PrepareTopology(s *Snapshot) {
	pi.Forbidden, pi.AffinityCounts = nil, nil
	pi.NamespaceLabels = s.Namespaces[pi.Pod.Namespace]
	pi.resolveNamespaces(s.Namespaces)
	wide := false
	for i := range pi.AntiAffinity {
		wide = wide || pi.AntiAffinity[i].TopologyKey != HostnameLabel
	}
	if !wide && s.AntiAffinityPods == 0 && len(pi.Affinity) == 0 {
		return
	}
	for _, n := range s.Nodes {
		lbls := n.Labels()
		if wide {
			pi.forbidOwn(n, lbls)
		}
		for _, other := range n.AntiAffinityPods {
			pi.forbidExisting(other, lbls)
		}
		if len(pi.Affinity) > 0 {
			pi.countAffinity(n, lbls)
		}
	}
}

// resolveNamespaces replaces the namespaceSelectors of pi's own terms by
// the namespaces they select now. The term slices are copied: the pod's
// PodInfo may already be shared with the cache.
func (pi *PodInfo) resolveNamespaces(namespaces map[string]labels.Set) {
	resolve := func(terms []AffinityTerm) []AffinityTerm {
		out := make([]AffinityTerm, len(terms))
		for i := range terms {
			out[i] = terms[i].resolve(namespaces)
		}
		return out
	}
	if len(pi.Affinity) > 0 {
		pi.Affinity = resolve(pi.Affinity)
	}
	if len(pi.AntiAffinity) > 0 {
		pi.AntiAffinity = resolve(pi.AntiAffinity)
	}
}

// countAffinity counts each pod on n that matches all of pi's affinity
// terms once for every term's topology domain n belongs to (upstream's
// rule: a pod must satisfy all terms to anchor the group).
func (pi *PodInfo) countAffinity(n *NodeInfo, lbls map[string]string) {
	for _, other := range n.Pods {
		if other.Pod.UID == pi.Pod.UID || !matchesAll(pi.Affinity, other.Pod, nil) {
			continue
		}
		for i := range pi.Affinity {
			key := pi.Affinity[i].TopologyKey
			v, ok := lbls[key]
			if !ok {
				continue
			}
			if pi.AffinityCounts == nil {
				pi.AffinityCounts = make(map[string]map[string]int)
			}
			if pi.AffinityCounts[key] == nil {
				pi.AffinityCounts[key] = make(map[string]int)
			}
			pi.AffinityCounts[key][v]++
		}
	}
}

func matchesAll(terms []AffinityTerm, p *corev1.Pod, nsLabels labels.Set) bool {
	for i := range terms {
		if !terms[i].Matches(p, nsLabels) {
			return false
		}
	}
	return true
}

// MatchesOwnAffinity reports whether pi's pod matches every one of its own
// affinity terms (upstream lets the first pod of such a group in).
func (pi *PodInfo) MatchesOwnAffinity() bool {
	return matchesAll(pi.Affinity, pi.Pod, pi.NamespaceLabels)
}

func (pi *PodInfo) forbidOwn(n *NodeInfo, lbls map[string]string) {
	for i := range pi.AntiAffinity {
		t := &pi.AntiAffinity[i]
		v, ok := lbls[t.TopologyKey]
		if !ok || t.TopologyKey == HostnameLabel || pi.isForbidden(t.TopologyKey, v) {
			continue
		}
		for _, other := range n.Pods {
			if other.Pod.UID != pi.Pod.UID && t.Matches(other.Pod, nil) {
				pi.forbid(t.TopologyKey, v, MsgAntiAffinity)
				break
			}
		}
	}
}

func (pi *PodInfo) forbidExisting(other *PodInfo, lbls map[string]string) {
	if other.Pod.UID == pi.Pod.UID {
		return
	}
	for i := range other.AntiAffinity {
		t := &other.AntiAffinity[i]
		v, ok := lbls[t.TopologyKey]
		if ok && t.TopologyKey != HostnameLabel && t.Matches(pi.Pod, pi.NamespaceLabels) {
			pi.forbid(t.TopologyKey, v, MsgExistingAntiAff)
		}
	}
}

func (pi *PodInfo) isForbidden(key, value string) bool {
	_, ok := pi.Forbidden[key][value]
	return ok
}

func (pi *PodInfo) forbid(key, value, msg string) {
	if pi.Forbidden == nil {
		pi.Forbidden = make(map[string]map[string]string)
	}
	if pi.Forbidden[key] == nil {
		pi.Forbidden[key] = make(map[string]string)
	}
	if _, ok := pi.Forbidden[key][value]; !ok {
		pi.Forbidden[key][value] = msg
	}
}

// ForbiddenOn returns the anti-affinity message that rules out a node with
// lbls through a wide topology domain, or "".
func (pi *PodInfo) ForbiddenOn(lbls map[string]string) string {
	for key, vals := range pi.Forbidden {
		if v, ok := lbls[key]; ok {
			if msg, ok := vals[v]; ok {
				return msg
			}
		}
	}
	return ""
}
