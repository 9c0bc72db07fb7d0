package pods

import (
	"github.com/wharfhq/wharf/kubelet/internal/cgroups"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// ContainerIDPrefix is the runtime scheme in containerID fields.
const ContainerIDPrefix = "containerd://"

// statusInput is everything podStatus needs besides the pod.
type statusInput struct {
	obs           Observed
	waiting       map[string]*corev1.ContainerStateWaiting
	podIP, hostIP string
	now           time.Time
	// probes are probe results by runtime container ID (nil: none).
	probes map[string]ProbeStatus
}

// podStatus computes the pod's status. It is pure.
func podStatus(pod *corev1.Pod, in statusInput) corev1.PodStatus {
	byN := attempts(in.obs.Containers)
	st := corev1.PodStatus{
		HostIP: in.hostIP, PodIP: in.podIP, StartTime: pod.Status.StartTime,
		QOSClass: cgroups.QOSClass(pod),
	}
	if in.hostIP != "" {
		st.HostIPs = []corev1.HostIP{{IP: in.hostIP}}
	}
	if in.podIP != "" {
		st.PodIPs = []corev1.PodIP{{IP: in.podIP}}
	}
	if st.StartTime == nil {
		t := ts(in.now)
		st.StartTime = &t
	}
	initialized := true
	for _, c := range pod.Spec.InitContainers {
		cs := containerStatus(c, byN[c.Name], in.waiting[c.Name], "PodInitializing")
		st.InitContainerStatuses = append(st.InitContainerStatuses, cs)
		if cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 0 {
			initialized = false
		}
	}
	reason := "ContainerCreating"
	if !initialized {
		reason = "PodInitializing"
	}
	allReady := true
	for _, c := range pod.Spec.Containers {
		cs := containerStatus(c, byN[c.Name], in.waiting[c.Name], reason)
		applyProbes(&cs, &c, in.probes)
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
		allReady = allReady && cs.Ready
	}
	st.Phase = phase(pod, st, initialized)
	if isTerminal(pod.Status.Phase) {
		st.Phase, st.Reason, st.Message = pod.Status.Phase, pod.Status.Reason, pod.Status.Message
	}
	st.Conditions = conditions(pod.Status.Conditions, initialized, allReady && st.Phase == corev1.PodRunning, in.now)
	return st
}

// containerStatus reports one container from its attempts (newest first).
func containerStatus(c corev1.Container, l []runtime.Container, w *corev1.ContainerStateWaiting, defaultReason string) corev1.ContainerStatus {
	cs := corev1.ContainerStatus{Name: c.Name, Image: c.Image, Started: new(bool)}
	if len(l) == 0 {
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: defaultReason}
		if w != nil {
			cs.State.Waiting = w
		}
		return cs
	}
	latest := l[0]
	cs.RestartCount = int32(latest.Attempt)
	cs.ContainerID = ContainerIDPrefix + latest.ID
	cs.ImageID = latest.ImageID
	if len(l) > 1 {
		cs.LastTerminationState.Terminated = terminated(l[1])
	}
	switch latest.State {
	case runtime.StateRunning:
		cs.State.Running = &corev1.ContainerStateRunning{StartedAt: ts(latest.StartedAt)}
		cs.Ready, *cs.Started = true, true
	case runtime.StateExited:
		if w != nil {
			cs.State.Waiting = w
			cs.LastTerminationState.Terminated = terminated(latest)
		} else {
			cs.State.Terminated = terminated(latest)
		}
	default:
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}
		if w != nil {
			cs.State.Waiting = w
		}
	}
	return cs
}

func terminated(c runtime.Container) *corev1.ContainerStateTerminated {
	return &corev1.ContainerStateTerminated{
		ExitCode: c.ExitCode, Reason: c.Reason, ContainerID: ContainerIDPrefix + c.ID,
		StartedAt: ts(c.StartedAt), FinishedAt: ts(c.FinishedAt),
	}
}

// phase follows upstream: Pending until a container started, Running while
// one runs or will restart, Succeeded/Failed once all are terminated for
// good.
func phase(pod *corev1.Pod, st corev1.PodStatus, initialized bool) corev1.PodPhase {
	if !initialized {
		for _, cs := range st.InitContainerStatuses {
			if t := cs.State.Terminated; t != nil && t.ExitCode != 0 && pod.Spec.RestartPolicy == corev1.RestartPolicyNever {
				return corev1.PodFailed
			}
		}
		return corev1.PodPending
	}
	started, terminal, failed := 0, 0, 0
	for _, cs := range st.ContainerStatuses {
		if cs.ContainerID != "" {
			started++
		}
		if t := cs.State.Terminated; t != nil && !shouldRestart(pod.Spec.RestartPolicy, t.ExitCode) {
			terminal++
			if t.ExitCode != 0 {
				failed++
			}
		}
	}
	switch {
	case len(st.ContainerStatuses) > 0 && terminal == len(st.ContainerStatuses) && failed > 0:
		return corev1.PodFailed
	case len(st.ContainerStatuses) > 0 && terminal == len(st.ContainerStatuses):
		return corev1.PodSucceeded
	case started > 0:
		return corev1.PodRunning
	default:
		return corev1.PodPending
	}
}

func conditions(old []corev1.PodCondition, initialized, ready bool, now time.Time) []corev1.PodCondition {
	status := func(b bool) corev1.ConditionStatus {
		if b {
			return corev1.ConditionTrue
		}
		return corev1.ConditionFalse
	}
	conds := []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue},
		{Type: corev1.PodInitialized, Status: status(initialized)},
		{Type: corev1.ContainersReady, Status: status(ready)},
		{Type: corev1.PodReady, Status: status(ready)},
	}
	t := ts(now)
	for i := range conds {
		conds[i].LastTransitionTime = t
		for _, o := range old {
			if o.Type == conds[i].Type && o.Status == conds[i].Status {
				conds[i].LastTransitionTime = o.LastTransitionTime
			}
		}
		if !ready && (conds[i].Type == corev1.PodReady || conds[i].Type == corev1.ContainersReady) {
			conds[i].Reason = "ContainersNotReady"
		}
	}
	return conds
}

// statusChanged reports whether next differs from the pod's current status.
func statusChanged(old, next corev1.PodStatus) bool {
	return !equality.Semantic.DeepEqual(old, next)
}

// ts is t as the API stores it: whole seconds.
func ts(t time.Time) metav1.Time {
	if t.IsZero() {
		return metav1.Time{}
	}
	return metav1.NewTime(t.Truncate(time.Second))
}
