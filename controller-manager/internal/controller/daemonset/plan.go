package daemonset

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/rand"
)

// HashLabel carries the template hash on daemon pods, as upstream.
const HashLabel = appsv1.DefaultDaemonSetUniqueLabelKey

// templateHash identifies the pod template version: FNV-32a of its JSON.
func templateHash(tmpl *corev1.PodTemplateSpec) string {
	b, _ := json.Marshal(tmpl) // a k8s.io/api struct always marshals
	h := fnv.New32a()
	h.Write(b)
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// nodeState is what the controller knows about one node for a DaemonSet.
type nodeState struct {
	node      *corev1.Node
	run, keep bool
	pods      []*corev1.Pod // active pods targeting the node, oldest first
}

// plan is what one sync does.
type plan struct {
	create []string      // node names
	remove []*corev1.Pod // pods to delete
}

// nodeStates pairs every node with ds's verdict and pods; pods for
// unknown nodes come back as orphans.
func nodeStates(ds *appsv1.DaemonSet, nodes []*corev1.Node, pods []*corev1.Pod) ([]nodeState, []*corev1.Pod) {
	byNode := map[string][]*corev1.Pod{}
	for _, p := range pods {
		if p.DeletionTimestamp == nil {
			byNode[targetNode(p)] = append(byNode[targetNode(p)], p)
		}
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	out := make([]nodeState, 0, len(nodes))
	for _, n := range nodes {
		run, keep := nodeShouldRun(ds, n)
		ps := byNode[n.Name]
		delete(byNode, n.Name)
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].CreationTimestamp.Before(&ps[j].CreationTimestamp) })
		out = append(out, nodeState{node: n, run: run, keep: keep, pods: ps})
	}
	var orphans []*corev1.Pod
	for _, ps := range byNode {
		orphans = append(orphans, ps...)
	}
	return out, orphans
}

// computePlan: one pod on every node that should run it; failed, surplus
// and unwanted pods go; then old-template pods are replaced, at most
// maxUnavailable nodes without an available pod at a time.
func computePlan(ds *appsv1.DaemonSet, states []nodeState, orphans []*corev1.Pod, hash string, now time.Time) plan {
	p := plan{remove: orphans}
	var candidates []*corev1.Pod // the single, healthy pod of a node
	unavailable, desired := 0, 0
	for _, s := range states {
		if s.run {
			desired++
		}
		switch {
		case !s.keep || (!s.run && len(s.pods) == 0):
			p.remove = append(p.remove, s.pods...)
			continue
		case len(s.pods) == 0:
			p.create = append(p.create, s.node.Name)
			unavailable++
			continue
		}
		var healthy []*corev1.Pod
		for _, pod := range s.pods {
			if pod.Status.Phase == corev1.PodFailed {
				p.remove = append(p.remove, pod)
			} else {
				healthy = append(healthy, pod)
			}
		}
		if len(healthy) > 1 {
			p.remove = append(p.remove, healthy[1:]...)
		}
		switch {
		case !s.run:
		case len(healthy) == 0:
			unavailable++
		case !available(healthy[0], ds.Spec.MinReadySeconds, now):
			unavailable++
			if healthy[0].Labels[HashLabel] != hash && rolling(ds) {
				p.remove = append(p.remove, healthy[0]) // an unavailable old pod costs nothing to replace
			}
		case healthy[0].Labels[HashLabel] != hash:
			candidates = append(candidates, healthy[0])
		}
	}
	if rolling(ds) {
		budget := maxUnavailable(ds, desired) - unavailable
		for i := 0; i < len(candidates) && i < budget; i++ {
			p.remove = append(p.remove, candidates[i])
		}
	}
	return p
}

func rolling(ds *appsv1.DaemonSet) bool {
	return ds.Spec.UpdateStrategy.Type != appsv1.OnDeleteDaemonSetStrategyType
}

// maxUnavailable resolves the rolling update's maxUnavailable (default 1,
// percentages rounded up, at least 1).
func maxUnavailable(ds *appsv1.DaemonSet, desired int) int {
	v := intstr.FromInt32(1)
	if ru := ds.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.MaxUnavailable != nil {
		v = *ru.MaxUnavailable
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(&v, desired, true)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

func isReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// available: ready for at least minReadySeconds.
func available(p *corev1.Pod, minReady int32, now time.Time) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return minReady == 0 || !c.LastTransitionTime.Add(time.Duration(minReady)*time.Second).After(now)
		}
	}
	return false
}

// computeStatus counts nodes as upstream does.
func computeStatus(ds *appsv1.DaemonSet, states []nodeState, hash string, now time.Time) appsv1.DaemonSetStatus {
	st := appsv1.DaemonSetStatus{ObservedGeneration: ds.Generation, CollisionCount: ds.Status.CollisionCount, Conditions: ds.Status.Conditions}
	for _, s := range states {
		if !s.run {
			if len(s.pods) > 0 {
				st.NumberMisscheduled++
			}
			continue
		}
		st.DesiredNumberScheduled++
		if len(s.pods) == 0 {
			continue
		}
		st.CurrentNumberScheduled++
		pod := s.pods[0]
		if pod.Labels[HashLabel] == hash {
			st.UpdatedNumberScheduled++
		}
		if isReady(pod) {
			st.NumberReady++
		}
		if available(pod, ds.Spec.MinReadySeconds, now) {
			st.NumberAvailable++
		}
	}
	st.NumberUnavailable = st.DesiredNumberScheduled - st.NumberAvailable
	return st
}

func secondsOf(s int32) time.Duration { return time.Duration(s)*time.Second + time.Second }
