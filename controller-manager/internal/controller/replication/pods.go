package replication

import (
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// isActive reports whether a pod counts toward replicas: not finished and
// not being deleted.
func isActive(p *corev1.Pod) bool {
	return p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed && p.DeletionTimestamp == nil
}

func readyCondition(p *corev1.Pod) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodReady {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// isReady reports the pod's Ready condition.
func isReady(p *corev1.Pod) bool {
	c := readyCondition(p)
	return c != nil && c.Status == corev1.ConditionTrue
}

// isAvailable reports whether the pod has been ready for minReadySeconds.
func isAvailable(p *corev1.Pod, minReadySeconds int32, now time.Time) bool {
	c := readyCondition(p)
	if c == nil || c.Status != corev1.ConditionTrue {
		return false
	}
	if minReadySeconds == 0 {
		return true
	}
	return !c.LastTransitionTime.IsZero() && c.LastTransitionTime.Add(time.Duration(minReadySeconds)*time.Second).Before(now)
}

// calculateStatus counts the owner's active pods.
func calculateStatus(active []*corev1.Pod, template labels.Set, minReady int32, generation int64, now time.Time) Status {
	st := Status{Replicas: int32(len(active)), ObservedGeneration: generation}
	tmplSel := labels.SelectorFromSet(template)
	for _, p := range active {
		if tmplSel.Matches(labels.Set(p.Labels)) {
			st.FullyLabeledReplicas++
		}
		if isReady(p) {
			st.ReadyReplicas++
			if isAvailable(p, minReady, now) {
				st.AvailableReplicas++
			}
		}
	}
	return st
}

// rankForDeletion orders pods so the cheapest to lose come first, as
// upstream: unscheduled, then pending/unknown before running, not ready
// before ready, more restarts first, then the newest.
func rankForDeletion(pods []*corev1.Pod) {
	phaseRank := map[corev1.PodPhase]int{corev1.PodPending: 0, corev1.PodUnknown: 1, corev1.PodRunning: 2}
	sort.SliceStable(pods, func(i, j int) bool {
		a, b := pods[i], pods[j]
		if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
			return a.Spec.NodeName == ""
		}
		if phaseRank[a.Status.Phase] != phaseRank[b.Status.Phase] {
			return phaseRank[a.Status.Phase] < phaseRank[b.Status.Phase]
		}
		if isReady(a) != isReady(b) {
			return !isReady(a)
		}
		if ra, rb := restarts(a), restarts(b); ra != rb {
			return ra > rb
		}
		return afterTime(a.CreationTimestamp, b.CreationTimestamp)
	})
}

func restarts(p *corev1.Pod) int32 {
	var n int32
	for _, s := range p.Status.ContainerStatuses {
		n += s.RestartCount
	}
	return n
}

func afterTime(a, b metav1.Time) bool { return a.After(b.Time) }

// controllerRef is the pod's controlling owner reference, if any.
func controllerRef(p *corev1.Pod) *metav1.OwnerReference { return metav1.GetControllerOf(p) }
