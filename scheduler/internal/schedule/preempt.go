package schedule

import (
	"cmp"
	"math"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/scheduler/internal/filter"
	"github.com/wharfhq/wharf/scheduler/internal/state"
)

// Preemption is a plan to make room for a pod on Node by evicting Victims,
// all of lower priority than the pod.
type Preemption struct {
	Node    string
	Victims []*corev1.Pod
}

// resolvable names the filters whose rejection evicting pods can cure;
// nodes rejected by any other filter are never preemption candidates.
var resolvable = map[string]bool{"NodeResourcesFit": true, "NodePorts": true, "InterPodAffinity": true}

// Preempt looks for the node where evicting the fewest and least important
// lower-priority pods lets pod fit, given the reasons of a failed Schedule
// on the same snapshot (pod.PrepareTopology already done). It returns false
// when the pod may not preempt (preemptionPolicy Never), when victims of an
// earlier preemption for it are still terminating on its nominated node,
// or when no node helps. It is pure: the caller deletes the victims.
//
// Nodes are compared as upstream: lowest highest-victim priority, then
// lowest sum of victim priorities, then fewest victims, then snapshot order.
// PodDisruptionBudgets are not consulted.
func (a *Algorithm) Preempt(snap *state.Snapshot, pod *state.PodInfo, reasons map[string]*filter.Reason) (Preemption, bool) {
	if p := pod.Pod.Spec.PreemptionPolicy; p != nil && *p == corev1.PreemptNever {
		return Preemption{}, false
	}
	if n := snap.Get(pod.Pod.Status.NominatedNodeName); n != nil && terminatingBelow(n, pod.Priority) {
		return Preemption{}, false
	}
	var best *candidate
	for _, n := range snap.Nodes {
		if r := reasons[n.Name]; r == nil || !resolvable[r.Filter] {
			continue
		}
		if c := a.victimsOn(pod, n); c != nil && (best == nil || c.better(best)) {
			best = c
		}
	}
	if best == nil {
		return Preemption{}, false
	}
	out := Preemption{Node: best.node}
	for _, v := range best.victims {
		out.Victims = append(out.Victims, v.Pod)
	}
	return out, true
}

// terminatingBelow reports whether n still holds a terminating pod of lower
// priority than prio: a preemption is under way there.
func terminatingBelow(n *state.NodeInfo, prio int32) bool {
	for _, p := range n.Pods {
		if p.Pod.DeletionTimestamp != nil && p.Priority < prio {
			return true
		}
	}
	return false
}

type candidate struct {
	node    string
	victims []*state.PodInfo
	maxPrio int32
	sumPrio int64
}

// better orders candidates; see Preempt.
func (c *candidate) better(o *candidate) bool {
	if c.maxPrio != o.maxPrio {
		return c.maxPrio < o.maxPrio
	}
	if c.sumPrio != o.sumPrio {
		return c.sumPrio < o.sumPrio
	}
	return len(c.victims) < len(o.victims)
}

// victimsOn returns the pods to evict from n for pod to fit, or nil. All
// lower-priority pods are removed from a copy of n; if pod then fits they
// are added back from the most important down, and those that no longer
// leave room for pod become the victims.
func (a *Algorithm) victimsOn(pod *state.PodInfo, n *state.NodeInfo) *candidate {
	var lower []*state.PodInfo
	for _, p := range n.Pods {
		if p.Priority < pod.Priority {
			lower = append(lower, p)
		}
	}
	if len(lower) == 0 {
		return nil
	}
	trial := n.Clone()
	for _, p := range lower {
		trial.RemovePod(p.Pod.UID)
	}
	if filter.Run(a.cfg.Filters, pod, trial) != nil {
		return nil
	}
	slices.SortStableFunc(lower, func(x, y *state.PodInfo) int { return cmp.Compare(y.Priority, x.Priority) })
	c := &candidate{node: n.Name, maxPrio: math.MinInt32}
	for _, p := range lower {
		trial.AddPod(p)
		if filter.Run(a.cfg.Filters, pod, trial) == nil {
			continue
		}
		trial.RemovePod(p.Pod.UID)
		c.victims = append(c.victims, p)
		c.maxPrio = max(c.maxPrio, p.Priority)
		c.sumPrio += int64(p.Priority)
	}
	if len(c.victims) == 0 {
		return nil
	}
	return c
}
