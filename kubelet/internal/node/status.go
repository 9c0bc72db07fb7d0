package node

import (
	"runtime"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// MaxPods is the pod capacity of every node.
const MaxPods = 110

// Machine describes the node's hardware and software.
type Machine struct {
	CPUs           int
	MemoryBytes    int64
	EphemeralBytes int64
	Addresses      []corev1.NodeAddress
	KernelVersion  string
	OSImage        string
	RuntimeVersion string
	KubeletVersion string
	MachineID      string
	// KubeletPort is published as the kubelet endpoint (0 = 10250).
	KubeletPort int32
	// Reserved* are set aside for the system and the kubelet (Reserve):
	// allocatable is capacity minus them.
	ReservedCPUMilli  int64
	ReservedMemory    int64
	ReservedEphemeral int64
}

// Capacity returns the node's capacity and allocatable resources.
func (m Machine) Capacity() (capacity, allocatable corev1.ResourceList) {
	capacity = corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewQuantity(int64(m.CPUs), resource.DecimalSI),
		corev1.ResourceMemory:           *resource.NewQuantity(m.MemoryBytes, resource.BinarySI),
		corev1.ResourceEphemeralStorage: *resource.NewQuantity(m.EphemeralBytes, resource.BinarySI),
		corev1.ResourcePods:             *resource.NewQuantity(MaxPods, resource.DecimalSI),
	}
	allocatable = capacity.DeepCopy()
	allocatable[corev1.ResourceCPU] = *resource.NewMilliQuantity(max(int64(m.CPUs)*1000-m.ReservedCPUMilli, 0), resource.DecimalSI)
	allocatable[corev1.ResourceMemory] = *resource.NewQuantity(max(m.MemoryBytes-m.ReservedMemory, 0), resource.BinarySI)
	allocatable[corev1.ResourceEphemeralStorage] = *resource.NewQuantity(max(m.EphemeralBytes-m.ReservedEphemeral, 0), resource.BinarySI)
	return capacity, allocatable
}

// Health is what the kubelet knows about itself; Problem == "" means Ready.
type Health struct {
	Problem        string
	MemoryPressure bool
	DiskPressure   bool
	PIDPressure    bool
}

// Labels returns the well-known node labels.
func Labels(name string) map[string]string {
	return map[string]string{
		"kubernetes.io/hostname":  name,
		"kubernetes.io/os":        runtime.GOOS,
		"kubernetes.io/arch":      runtime.GOARCH,
		"beta.kubernetes.io/os":   runtime.GOOS,
		"beta.kubernetes.io/arch": runtime.GOARCH,
	}
}

// Status computes the node status from the previous one: conditions keep
// their LastTransitionTime unless their status changed; LastHeartbeatTime
// is now.
func Status(old corev1.NodeStatus, m Machine, h Health, now time.Time) corev1.NodeStatus {
	st := *old.DeepCopy()
	st.Capacity, st.Allocatable = m.Capacity()
	st.Addresses = m.Addresses
	st.NodeInfo = corev1.NodeSystemInfo{
		MachineID: m.MachineID, KernelVersion: m.KernelVersion, OSImage: m.OSImage,
		ContainerRuntimeVersion: m.RuntimeVersion, KubeletVersion: m.KubeletVersion,
		KubeProxyVersion: m.KubeletVersion, OperatingSystem: runtime.GOOS, Architecture: runtime.GOARCH,
	}
	st.DaemonEndpoints.KubeletEndpoint.Port = 10250
	if m.KubeletPort > 0 {
		st.DaemonEndpoints.KubeletEndpoint.Port = m.KubeletPort
	}
	ready := condition(corev1.NodeReady, h.Problem == "", "KubeletReady", "kubelet is posting ready status", "KubeletNotReady", h.Problem)
	conds := []corev1.NodeCondition{
		condition(corev1.NodeMemoryPressure, h.MemoryPressure, "KubeletHasInsufficientMemory", "kubelet has insufficient memory available", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
		condition(corev1.NodeDiskPressure, h.DiskPressure, "KubeletHasDiskPressure", "kubelet has disk pressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
		condition(corev1.NodePIDPressure, h.PIDPressure, "KubeletHasInsufficientPID", "kubelet has insufficient PID available", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
		ready,
	}
	t := metav1.NewTime(now.Truncate(time.Second))
	for i := range conds {
		conds[i].LastHeartbeatTime, conds[i].LastTransitionTime = t, t
		for _, o := range old.Conditions {
			if o.Type == conds[i].Type && o.Status == conds[i].Status {
				conds[i].LastTransitionTime = o.LastTransitionTime
			}
		}
	}
	st.Conditions = conds
	return st
}

func condition(t corev1.NodeConditionType, isTrue bool, trueReason, trueMsg, falseReason, falseMsg string) corev1.NodeCondition {
	if isTrue {
		return corev1.NodeCondition{Type: t, Status: corev1.ConditionTrue, Reason: trueReason, Message: trueMsg}
	}
	return corev1.NodeCondition{Type: t, Status: corev1.ConditionFalse, Reason: falseReason, Message: falseMsg}
}

// NeedsUpdate reports whether next differs from old in anything but
// heartbeat times, or old's heartbeat is older than period.
func NeedsUpdate(old, next corev1.NodeStatus, now time.Time, period time.Duration) bool {
	var lastBeat time.Time
	for _, c := range old.Conditions {
		if c.Type == corev1.NodeReady {
			lastBeat = c.LastHeartbeatTime.Time
		}
	}
	if now.Sub(lastBeat) >= period {
		return true
	}
	a, b := old.DeepCopy(), next.DeepCopy()
	for _, s := range []*corev1.NodeStatus{a, b} {
		for i := range s.Conditions {
			s.Conditions[i].LastHeartbeatTime = metav1.Time{}
		}
	}
	return !equality.Semantic.DeepEqual(a, b)
}
