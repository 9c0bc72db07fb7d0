package state

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// HostPort is one host port a pod occupies. IP "" and "0.0.0.0" both mean
// every address.
type HostPort struct {
	IP       string
	Protocol corev1.Protocol
	Port     int32
}

// VolumeConstraint is what the pod's persistent volumes demand of a node:
// the PV node affinities (local PVs), or a reason the pod cannot run yet.
type VolumeConstraint struct {
	NodeAffinity []*NodeSelector
	// Problem, when set, makes every node infeasible (e.g. unbound PVC).
	Problem string
}

// PodInfo is a pod plus everything the filters and scores precompute once
// per scheduling attempt instead of once per node.
type PodInfo struct {
	Pod      *corev1.Pod
	Requests Resource
	NonZero  Resource
	Ports    []HostPort
	// NodeSelector is spec.nodeSelector; Required the required node affinity.
	NodeSelector labels.Selector
	Required     *NodeSelector
	Preferred    []PreferredTerm
	AntiAffinity []AffinityTerm
	// Affinity holds the required (positive) pod affinity terms.
	Affinity []AffinityTerm
	// Priority is spec.priority (0 when unset).
	Priority int32
	// OwnerUID is the controller owner's UID, "" if none.
	OwnerUID types.UID
	Volumes  VolumeConstraint
	// NamespaceLabels are the labels of the pod's namespace, filled by
	// PrepareTopology; existing pods' namespaceSelectors match against them.
	NamespaceLabels labels.Set
	// AffinityCounts maps topology key → value → number of existing pods
	// in that domain matched by any of Affinity; filled by PrepareTopology.
	AffinityCounts map[string]map[string]int
	// Forbidden maps topology key → value → reason for domains that
	// required anti-affinity rules out; filled by PrepareTopology.
	Forbidden map[string]map[string]string
	// Invalid is set when the pod's spec could not be compiled (bad
	// selectors); the pod is then unschedulable with this message.
	Invalid string
}

// NewPodInfo precomputes pod. It never fails: a spec the scheduler cannot
// understand is recorded in Invalid.
func NewPodInfo(pod *corev1.Pod) *PodInfo {
	pi := &PodInfo{Pod: pod, Ports: podPorts(pod), Priority: PodPriority(pod)}
	pi.Requests, pi.NonZero = PodRequests(pod)
	if len(pod.Spec.NodeSelector) > 0 {
		pi.NodeSelector = labels.SelectorFromSet(pod.Spec.NodeSelector)
	}
	if ref := metav1.GetControllerOf(pod); ref != nil {
		pi.OwnerUID = ref.UID
	}
	if err := pi.compileAffinity(); err != nil {
		pi.Invalid = err.Error()
	}
	return pi
}

func (pi *PodInfo) compileAffinity() error {
	aff := pi.Pod.Spec.Affinity
	if aff == nil {
		return nil
	}
	var err error
	if na := aff.NodeAffinity; na != nil {
		if pi.Required, err = CompileNodeSelector(na.RequiredDuringSchedulingIgnoredDuringExecution); err != nil {
			return fmt.Errorf("invalid required node affinity: %w", err)
		}
		if pi.Preferred, err = CompilePreferred(na.PreferredDuringSchedulingIgnoredDuringExecution); err != nil {
			return fmt.Errorf("invalid preferred node affinity: %w", err)
		}
	}
	if pa := aff.PodAffinity; pa != nil {
		if pi.Affinity, err = compileAffinityTerms(pi.Pod, pa.RequiredDuringSchedulingIgnoredDuringExecution); err != nil {
			return fmt.Errorf("invalid pod affinity: %w", err)
		}
	}
	if pa := aff.PodAntiAffinity; pa != nil {
		if pi.AntiAffinity, err = compileAffinityTerms(pi.Pod, pa.RequiredDuringSchedulingIgnoredDuringExecution); err != nil {
			return fmt.Errorf("invalid pod anti-affinity: %w", err)
		}
	}
	return nil
}

// PodPriority returns spec.priority, 0 when unset.
func PodPriority(pod *corev1.Pod) int32 {
	if pod.Spec.Priority != nil {
		return *pod.Spec.Priority
	}
	return 0
}

func podPorts(pod *corev1.Pod) []HostPort {
	var out []HostPort
	for i := range pod.Spec.Containers {
		for _, p := range pod.Spec.Containers[i].Ports {
			if p.HostPort <= 0 {
				continue
			}
			proto := p.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			ip := p.HostIP
			if ip == "" {
				ip = "0.0.0.0"
			}
			out = append(out, HostPort{IP: ip, Protocol: proto, Port: p.HostPort})
		}
	}
	return out
}
