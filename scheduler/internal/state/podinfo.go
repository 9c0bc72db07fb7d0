package state

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
)

// HostPort is one host port a pod occupies. IP "" and "0.0.0.0" both mean
// every address.
type HostPort struct {
	IP       string
	Protocol corev1.Protocol
	Port     int32
}

// AffinityTerm is a compiled required (anti-)affinity term.
type AffinityTerm struct {
	Selector   labels.Selector
	Namespaces sets.Set[string]
	// AllNamespaces is set by an empty namespaceSelector ({}).
	AllNamespaces bool
	TopologyKey   string
}

// Matches reports whether pod p is selected by the term.
func (t *AffinityTerm) Matches(p *corev1.Pod) bool {
	return (t.AllNamespaces || t.Namespaces.Has(p.Namespace)) && t.Selector.Matches(labels.Set(p.Labels))
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
	// OwnerUID is the controller owner's UID, "" if none.
	OwnerUID types.UID
	Volumes  VolumeConstraint
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
	pi := &PodInfo{Pod: pod, Ports: podPorts(pod)}
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
	if pa := aff.PodAntiAffinity; pa != nil {
		for i := range pa.RequiredDuringSchedulingIgnoredDuringExecution {
			t, err := compileAffinityTerm(pi.Pod, &pa.RequiredDuringSchedulingIgnoredDuringExecution[i])
			if err != nil {
				return fmt.Errorf("invalid pod anti-affinity term %d: %w", i, err)
			}
			pi.AntiAffinity = append(pi.AntiAffinity, t)
		}
	}
	return nil
}

func compileAffinityTerm(pod *corev1.Pod, t *corev1.PodAffinityTerm) (AffinityTerm, error) {
	if t.TopologyKey == "" {
		return AffinityTerm{}, fmt.Errorf("empty topologyKey")
	}
	sel, err := metav1.LabelSelectorAsSelector(t.LabelSelector)
	if err != nil {
		return AffinityTerm{}, err
	}
	if t.LabelSelector == nil {
		sel = labels.Nothing()
	}
	ns := sets.New(t.Namespaces...)
	if len(ns) == 0 && t.NamespaceSelector == nil {
		ns.Insert(pod.Namespace)
	}
	all := t.NamespaceSelector != nil && len(t.NamespaceSelector.MatchLabels) == 0 &&
		len(t.NamespaceSelector.MatchExpressions) == 0
	return AffinityTerm{Selector: sel, Namespaces: ns, AllNamespaces: all, TopologyKey: t.TopologyKey}, nil
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
