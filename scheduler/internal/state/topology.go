package state

// HostnameLabel is the node-local topology key; anti-affinity over it is
// checked per node without a cluster-wide pass.
const HostnameLabel = "kubernetes.io/hostname"

// Anti-affinity messages, as upstream words them.
const (
	MsgAntiAffinity    = "node(s) didn't match pod anti-affinity rules"
	MsgExistingAntiAff = "node(s) didn't satisfy existing pods anti-affinity rules"
)

// PrepareTopology fills pi.Forbidden with the topology domains (zones,
// racks: any key but the hostname) that required anti-affinity rules out,
// in both directions. It scans the whole snapshot once per attempt, so
// filters stay per-node.
func (pi *PodInfo) PrepareTopology(s *Snapshot) {
	pi.Forbidden = nil
	wide := false
	for i := range pi.AntiAffinity {
		wide = wide || pi.AntiAffinity[i].TopologyKey != HostnameLabel
	}
	if !wide && s.AntiAffinityPods == 0 {
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
	}
}

func (pi *PodInfo) forbidOwn(n *NodeInfo, lbls map[string]string) {
	for i := range pi.AntiAffinity {
		t := &pi.AntiAffinity[i]
		v, ok := lbls[t.TopologyKey]
		if !ok || t.TopologyKey == HostnameLabel || pi.isForbidden(t.TopologyKey, v) {
			continue
		}
		for _, other := range n.Pods {
			if other.Pod.UID != pi.Pod.UID && t.Matches(other.Pod) {
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
		if ok && t.TopologyKey != HostnameLabel && t.Matches(pi.Pod) {
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
