package filter

import (
	"fmt"

	"github.com/wharfhq/wharf/scheduler/internal/state"
)

// Reason says why a pod does not fit a node.
type Reason struct {
	// Filter is the name of the filter that rejected the node.
	Filter string
	// Message is upstream's wording, e.g. "Insufficient cpu"; identical
	// messages are counted together in FailedScheduling events.
	Message string
	// Resource, Requested, Used and Capacity are set for resource
	// rejections (cpu in millicores, memory and storage in bytes).
	Resource  string
	Requested int64
	Used      int64
	Capacity  int64
}

// String describes the reason, with numbers for resource rejections.
func (r *Reason) String() string {
	if r.Resource == "" {
		return r.Message
	}
	return fmt.Sprintf("%s (requested %d, used %d, capacity %d)", r.Message, r.Requested, r.Used, r.Capacity)
}

// Filter checks whether pod fits node n; nil means it does.
type Filter func(pod *state.PodInfo, n *state.NodeInfo) *Reason

// Named is a filter with the name used in metrics and reasons.
type Named struct {
	Name string
	Fn   Filter
}

// Default returns the default filters in evaluation order.
func Default() []Named {
	return []Named{
		{"PodSpec", PodSpec},
		{"NodeName", NodeName},
		{"NodeUnschedulable", NodeUnschedulable},
		{"TaintToleration", TaintToleration},
		{"NodeAffinity", NodeAffinity},
		{"NodeResourcesFit", NodeResourcesFit},
		{"NodePorts", NodePorts},
		{"VolumeBinding", VolumeBinding},
		{"InterPodAffinity", InterPodAntiAffinity},
		{"InterPodAffinity", InterPodAffinity},
	}
}

// Run applies filters in order and returns the first rejection.
func Run(filters []Named, pod *state.PodInfo, n *state.NodeInfo) *Reason {
	for i := range filters {
		if r := filters[i].Fn(pod, n); r != nil {
			if r.Filter == "" {
				r.Filter = filters[i].Name
			}
			return r
		}
	}
	return nil
}
