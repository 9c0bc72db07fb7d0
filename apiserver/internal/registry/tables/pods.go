package tables

import (
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/api"
)

// nodeUnreachablePodReason is the reason the node lifecycle controller
// puts on pods of an unreachable node.
const nodeUnreachablePodReason = "NodeLost"

func addPods(r registry) {
	r.add("pods", []metav1.TableColumnDefinition{
		nameColumn,
		col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
		col("Status", "string", "The aggregate status of the containers in this pod."),
		col("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
		ageColumn,
		wide("IP", "string", corev1.PodStatus{}.SwaggerDoc()["podIP"]),
		wide("Node", "string", corev1.PodSpec{}.SwaggerDoc()["nodeName"]),
		wide("Nominated Node", "string", corev1.PodStatus{}.SwaggerDoc()["nominatedNodeName"]),
		wide("Readiness Gates", "string", corev1.PodSpec{}.SwaggerDoc()["readinessGates"]),
	}, podRow)
}

// podCounts is what printPod accumulates over container statuses.
type podCounts struct {
	restarts, ready, total int
	lastRestart            metav1.Time
}

func (c *podCounts) addRestarts(s corev1.ContainerStatus) {
	c.restarts += int(s.RestartCount)
	if t := s.LastTerminationState.Terminated; t != nil && c.lastRestart.Before(&t.FinishedAt) {
		c.lastRestart = t.FinishedAt
	}
}

func podRow(obj api.Object, now time.Time) []any {
	pod := obj.(*corev1.Pod)
	reason, c := podStatus(pod)
	restarts := strconv.Itoa(c.restarts)
	if c.restarts != 0 && !c.lastRestart.IsZero() {
		restarts = fmt.Sprintf("%d (%s ago)", c.restarts, age(c.lastRestart, now))
	}
	ip := ""
	if len(pod.Status.PodIPs) > 0 {
		ip = pod.Status.PodIPs[0].IP
	}
	if ip == "" {
		ip = pod.Status.PodIP
	}
	return []any{pod.Name, fmt.Sprintf("%d/%d", c.ready, c.total), reason, restarts, age(pod.CreationTimestamp, now),
		orNone(ip), orNone(pod.Spec.NodeName), orNone(pod.Status.NominatedNodeName), readinessGates(pod)}
}

func readinessGates(pod *corev1.Pod) string {
	if len(pod.Spec.ReadinessGates) == 0 {
		return "<none>"
	}
	n := 0
	for _, g := range pod.Spec.ReadinessGates {
		for _, c := range pod.Status.Conditions {
			if c.Type == g.ConditionType {
				if c.Status == corev1.ConditionTrue {
					n++
				}
				break
			}
		}
	}
	return fmt.Sprintf("%d/%d", n, len(pod.Spec.ReadinessGates))
}

func restartable(c *corev1.Container) bool {
	return c != nil && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// podStatus computes the STATUS cell of a pod as upstream's printPod
// does (Pending, ContainerCreating, Init:0/1, CrashLoopBackOff,
// Completed, Terminating...), with the restart and readiness counts.
func podStatus(pod *corev1.Pod) (string, podCounts) {
	c := podCounts{total: len(pod.Spec.Containers)}
	reason := string(pod.Status.Phase)
	if pod.Status.Reason != "" {
		reason = pod.Status.Reason
	}
	for _, cond := range pod.Status.Conditions {
		if cond.Type == corev1.PodScheduled && cond.Reason == corev1.PodReasonSchedulingGated {
			reason = corev1.PodReasonSchedulingGated
		}
	}
	inits := map[string]*corev1.Container{}
	for i := range pod.Spec.InitContainers {
		inits[pod.Spec.InitContainers[i].Name] = &pod.Spec.InitContainers[i]
		if restartable(&pod.Spec.InitContainers[i]) {
			c.total++
		}
	}
	reason, initializing, sidecars := initStatus(pod, inits, reason, &c)
	if !initializing || podInitialized(pod) {
		c.restarts, c.lastRestart = sidecars.restarts, sidecars.lastRestart
		reason = containerStatus(pod, reason, &c)
	}
	if pod.DeletionTimestamp != nil && pod.Status.Reason == nodeUnreachablePodReason {
		reason = "Unknown"
	} else if pod.DeletionTimestamp != nil && pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed {
		reason = "Terminating"
	}
	return reason, c
}

// initStatus walks init container statuses; it returns the reason so
// far, whether the pod is still initializing and the restarts of
// restartable (sidecar) init containers.
func initStatus(pod *corev1.Pod, inits map[string]*corev1.Container, reason string, c *podCounts) (string, bool, podCounts) {
	var sidecars podCounts
	for i, s := range pod.Status.InitContainerStatuses {
		c.addRestarts(s)
		if restartable(inits[s.Name]) {
			sidecars.addRestarts(s)
		}
		switch {
		case s.State.Terminated != nil && s.State.Terminated.ExitCode == 0:
			continue
		case restartable(inits[s.Name]) && s.Started != nil && *s.Started:
			if s.Ready {
				c.ready++
			}
			continue
		case s.State.Terminated != nil:
			t := s.State.Terminated
			switch {
			case t.Reason != "":
				reason = "Init:" + t.Reason
			case t.Signal != 0:
				reason = fmt.Sprintf("Init:Signal:%d", t.Signal)
			default:
				reason = fmt.Sprintf("Init:ExitCode:%d", t.ExitCode)
			}
		case s.State.Waiting != nil && s.State.Waiting.Reason != "" && s.State.Waiting.Reason != "PodInitializing":
			reason = "Init:" + s.State.Waiting.Reason
		default:
			reason = fmt.Sprintf("Init:%d/%d", i, len(pod.Spec.InitContainers))
		}
		return reason, true, sidecars
	}
	return reason, false, sidecars
}

// containerStatus walks the regular container statuses, last first.
func containerStatus(pod *corev1.Pod, reason string, c *podCounts) string {
	running := false
	for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
		s := pod.Status.ContainerStatuses[i]
		c.addRestarts(s)
		switch {
		case s.State.Waiting != nil && s.State.Waiting.Reason != "":
			reason = s.State.Waiting.Reason
		case s.State.Terminated != nil && s.State.Terminated.Reason != "":
			reason = s.State.Terminated.Reason
		case s.State.Terminated != nil && s.State.Terminated.Signal != 0:
			reason = fmt.Sprintf("Signal:%d", s.State.Terminated.Signal)
		case s.State.Terminated != nil:
			reason = fmt.Sprintf("ExitCode:%d", s.State.Terminated.ExitCode)
		case s.Ready && s.State.Running != nil:
			running = true
			c.ready++
		}
	}
	if reason == "Completed" && running {
		reason = "NotReady"
		if hasCondition(pod.Status.Conditions, corev1.PodReady) {
			reason = "Running"
		}
	}
	return reason
}

func podInitialized(pod *corev1.Pod) bool {
	return hasCondition(pod.Status.Conditions, corev1.PodInitialized)
}

func hasCondition(cs []corev1.PodCondition, t corev1.PodConditionType) bool {
	for _, c := range cs {
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}
