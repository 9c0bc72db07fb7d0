package score

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/scheduler/internal/filter"
	"github.com/wharfhq/wharf/scheduler/internal/state"
)

// MaxScore is the highest score a normalized scorer gives a node.
const MaxScore int64 = 100

// Score rates node n for pod; higher is better unless the scorer's
// Normalize reverses it.
type Score func(pod *state.PodInfo, n *state.NodeInfo) int64

// Scorer is a weighted score with an optional normalization over all
// feasible nodes.
type Scorer struct {
	Name      string
	Weight    int64
	Score     Score
	Normalize func(scores []int64)
}

// Default returns upstream's default scorers and weights.
func Default() []Scorer {
	return []Scorer{
		{Name: "NodeResourcesLeastAllocated", Weight: 1, Score: LeastAllocated},
		{Name: "NodeResourcesBalancedAllocation", Weight: 1, Score: BalancedAllocation},
		{Name: "NodeAffinity", Weight: 2, Score: PreferredNodeAffinity, Normalize: Normalize(false)},
		{Name: "TaintToleration", Weight: 3, Score: IntolerablePreferNoSchedule, Normalize: Normalize(true)},
		{Name: "SelectorSpread", Weight: 2, Score: SameOwnerPods, Normalize: Normalize(true)},
	}
}

// LeastAllocated favours nodes with the most free cpu and memory after
// placing the pod: mean over both of (allocatable-requested)*100/allocatable.
func LeastAllocated(pod *state.PodInfo, n *state.NodeInfo) int64 {
	cpu := leastRequested(n.NonZeroRequested.MilliCPU+pod.NonZero.MilliCPU, n.Allocatable.MilliCPU)
	mem := leastRequested(n.NonZeroRequested.Memory+pod.NonZero.Memory, n.Allocatable.Memory)
	return (cpu + mem) / 2
}

func leastRequested(requested, capacity int64) int64 {
	if capacity <= 0 || requested > capacity {
		return 0
	}
	return (capacity - requested) * MaxScore / capacity
}

// BalancedAllocation favours nodes whose cpu and memory utilisation stay
// close to each other: (1 - |cpu% - mem%|/2) * 100, as upstream's
// standard-deviation formula gives for two resources.
func BalancedAllocation(pod *state.PodInfo, n *state.NodeInfo) int64 {
	cpu := fraction(n.NonZeroRequested.MilliCPU+pod.NonZero.MilliCPU, n.Allocatable.MilliCPU)
	mem := fraction(n.NonZeroRequested.Memory+pod.NonZero.Memory, n.Allocatable.Memory)
	diff := cpu - mem
	if diff < 0 {
		diff = -diff
	}
	return int64((1 - diff/2) * float64(MaxScore))
}

func fraction(requested, capacity int64) float64 {
	if capacity <= 0 {
		return 1
	}
	return min(float64(requested)/float64(capacity), 1)
}

// PreferredNodeAffinity sums the weights of the pod's preferred node
// affinity terms that n matches.
func PreferredNodeAffinity(pod *state.PodInfo, n *state.NodeInfo) int64 {
	var sum int64
	for _, t := range pod.Preferred {
		if t.Selector.Matches(n.Name, n.Labels()) {
			sum += t.Weight
		}
	}
	return sum
}

// IntolerablePreferNoSchedule counts n's PreferNoSchedule taints the pod
// does not tolerate (fewer is better: normalize reversed).
func IntolerablePreferNoSchedule(pod *state.PodInfo, n *state.NodeInfo) int64 {
	var count int64
	for i := range n.Taints {
		t := &n.Taints[i]
		if t.Effect == corev1.TaintEffectPreferNoSchedule && !filter.Tolerated(pod.Pod.Spec.Tolerations, t) {
			count++
		}
	}
	return count
}

// SameOwnerPods counts pods on n with the same controller owner as pod
// (fewer is better: normalize reversed), spreading replicas across nodes.
func SameOwnerPods(pod *state.PodInfo, n *state.NodeInfo) int64 {
	if pod.OwnerUID == "" {
		return 0
	}
	var count int64
	for _, other := range n.Pods {
		if other.OwnerUID == pod.OwnerUID && other.Pod.Namespace == pod.Pod.Namespace {
			count++
		}
	}
	return count
}

// Normalize returns a function mapping scores onto 0..MaxScore relative to
// the highest; reverse makes the lowest raw value score MaxScore.
func Normalize(reverse bool) func(scores []int64) {
	return func(scores []int64) {
		var top int64
		for _, s := range scores {
			top = max(top, s)
		}
		for i, s := range scores {
			switch {
			case top == 0 && reverse:
				scores[i] = MaxScore
			case top == 0:
				scores[i] = 0
			case reverse:
				scores[i] = MaxScore - s*MaxScore/top
			default:
				scores[i] = s * MaxScore / top
			}
		}
	}
}
