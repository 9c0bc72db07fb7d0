package state

import "k8s.io/apimachinery/pkg/labels"

// Snapshot is a consistent, read-only view of every schedulable-candidate
// node, taken at the start of a scheduling attempt.
type Snapshot struct {
	// Nodes is in a stable order (the order nodes were first seen).
	Nodes  []*NodeInfo
	byName map[string]int
	// Generation is the cache generation the snapshot reflects.
	Generation int64
	// AntiAffinityPods counts pods with required anti-affinity; when 0
	// the cluster-wide anti-affinity pass is skipped.
	AntiAffinityPods int
	// Namespaces maps every namespace to its labels, for namespaceSelectors
	// of pod (anti-)affinity terms; nil when unknown (no selector matches).
	Namespaces map[string]labels.Set
}

// NewSnapshot builds a snapshot over nodes (used by tests and the cache).
func NewSnapshot(nodes []*NodeInfo) *Snapshot {
	s := &Snapshot{}
	s.SetNodes(nodes)
	for _, n := range nodes {
		s.AntiAffinityPods += len(n.AntiAffinityPods)
	}
	return s
}

// SetNodes replaces the node list.
func (s *Snapshot) SetNodes(nodes []*NodeInfo) {
	s.Nodes = nodes
	s.byName = make(map[string]int, len(nodes))
	for i, n := range nodes {
		s.byName[n.Name] = i
	}
}

// Get returns the node called name, or nil.
func (s *Snapshot) Get(name string) *NodeInfo {
	i, ok := s.byName[name]
	if !ok {
		return nil
	}
	return s.Nodes[i]
}

// Replace swaps in n for the node of the same name; it reports false when
// the snapshot has no such node.
func (s *Snapshot) Replace(n *NodeInfo) bool {
	i, ok := s.byName[n.Name]
	if !ok {
		return false
	}
	s.Nodes[i] = n
	return true
}
