package nodelifecycle

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Condition reasons and messages upstream uses for silent nodes.
const (
	ReasonUnknown      = "NodeStatusUnknown"
	MessageUnknown     = "Kubelet stopped posting node status."
	ReasonNeverUpdated = "NodeStatusNeverUpdated"
	MessageNeverPosted = "Kubelet never posted node status."
)

// MarkUnknown sets node's Ready condition (adding it if missing) and its
// pressure conditions to Unknown, as upstream does for a node whose
// heartbeat is older than the grace period. It reports whether anything
// changed; node must be a copy.
func MarkUnknown(node *corev1.Node, now time.Time) bool {
	ts := metav1.NewTime(now)
	changed := false
	if ReadyCondition(node) == nil {
		node.Status.Conditions = append(node.Status.Conditions, corev1.NodeCondition{
			Type: corev1.NodeReady, Status: corev1.ConditionUnknown, Reason: ReasonNeverUpdated,
			Message: MessageNeverPosted, LastHeartbeatTime: ts, LastTransitionTime: ts,
		})
		changed = true
	}
	for i := range node.Status.Conditions {
		c := &node.Status.Conditions[i]
		switch c.Type {
		case corev1.NodeReady, corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure:
		default:
			continue
		}
		if c.Status == corev1.ConditionUnknown {
			continue
		}
		c.Status, c.Reason, c.Message = corev1.ConditionUnknown, ReasonUnknown, MessageUnknown
		c.LastTransitionTime = ts
		changed = true
	}
	return changed
}
