package filter

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/wharfhq/wharf/scheduler/internal/state"
)

// Upstream reason messages.
const (
	MsgNodeName         = "node(s) didn't match the requested node name"
	MsgUnschedulable    = "node(s) were unschedulable"
	MsgNodeAffinity     = "node(s) didn't match Pod's node affinity/selector"
	MsgPorts            = "node(s) didn't have free ports for the requested pod ports"
	MsgVolumeAffinity   = "node(s) had volume node affinity conflict"
	MsgTooManyPods      = "Too many pods"
	msgInsufficientFmt  = "Insufficient %s"
	msgUntoleratedTaint = "node(s) had untolerated taint {%s: %s}"
)

// PodSpec rejects every node for a pod whose spec could not be compiled or
// whose volumes cannot be satisfied anywhere.
func PodSpec(pod *state.PodInfo, _ *state.NodeInfo) *Reason {
	if pod.Invalid != "" {
		return &Reason{Message: pod.Invalid}
	}
	return nil
}

// NodeName enforces spec.nodeName when the pod names a node.
func NodeName(pod *state.PodInfo, n *state.NodeInfo) *Reason {
	if want := pod.Pod.Spec.NodeName; want != "" && want != n.Name {
		return &Reason{Message: MsgNodeName}
	}
	return nil
}

// NodeUnschedulable rejects cordoned nodes unless the pod tolerates the
// node.kubernetes.io/unschedulable:NoSchedule taint.
func NodeUnschedulable(pod *state.PodInfo, n *state.NodeInfo) *Reason {
	if !n.Node.Spec.Unschedulable {
		return nil
	}
	t := corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}
	if Tolerated(pod.Pod.Spec.Tolerations, &t) {
		return nil
	}
	return &Reason{Message: MsgUnschedulable}
}

// TaintToleration rejects nodes with a NoSchedule or NoExecute taint the
// pod does not tolerate (including synthesized not-ready taints).
func TaintToleration(pod *state.PodInfo, n *state.NodeInfo) *Reason {
	for i := range n.Taints {
		t := &n.Taints[i]
		if t.Effect == corev1.TaintEffectPreferNoSchedule {
			continue
		}
		if !Tolerated(pod.Pod.Spec.Tolerations, t) {
			return &Reason{Message: fmt.Sprintf(msgUntoleratedTaint, t.Key, t.Value)}
		}
	}
	return nil
}

// NodeAffinity enforces spec.nodeSelector and required node affinity.
func NodeAffinity(pod *state.PodInfo, n *state.NodeInfo) *Reason {
	lbls := n.Labels()
	if pod.NodeSelector != nil && !pod.NodeSelector.Matches(labels.Set(lbls)) {
		return &Reason{Message: MsgNodeAffinity}
	}
	if pod.Required != nil && !pod.Required.Matches(n.Name, lbls) {
		return &Reason{Message: MsgNodeAffinity}
	}
	return nil
}

// NodeResourcesFit checks the pod's requests against what is left of the
// node's allocatable cpu, memory, ephemeral-storage, pods and extended
// resources.
func NodeResourcesFit(pod *state.PodInfo, n *state.NodeInfo) *Reason {
	alloc, used, req := &n.Allocatable, &n.Requested, &pod.Requests
	if used.Pods+1 > alloc.Pods {
		return &Reason{Message: MsgTooManyPods, Resource: "pods", Requested: 1, Used: used.Pods, Capacity: alloc.Pods}
	}
	checks := []struct {
		name           string
		req, used, cap int64
	}{
		{"cpu", req.MilliCPU, used.MilliCPU, alloc.MilliCPU},
		{"memory", req.Memory, used.Memory, alloc.Memory},
		{"ephemeral-storage", req.EphemeralStorage, used.EphemeralStorage, alloc.EphemeralStorage},
	}
	for _, c := range checks {
		if c.req > 0 && c.req > c.cap-c.used {
			return insufficient(c.name, c.req, c.used, c.cap)
		}
	}
	for name, v := range req.Scalar {
		if v > 0 && v > alloc.Scalar[name]-used.Scalar[name] {
			return insufficient(string(name), v, used.Scalar[name], alloc.Scalar[name])
		}
	}
	return nil
}

func insufficient(name string, req, used, capacity int64) *Reason {
	return &Reason{Message: fmt.Sprintf(msgInsufficientFmt, name), Resource: name,
		Requested: req, Used: used, Capacity: capacity}
}

// NodePorts rejects nodes where a requested host port is already taken.
// A wildcard IP conflicts with every IP on the same protocol and port.
func NodePorts(pod *state.PodInfo, n *state.NodeInfo) *Reason {
	if len(pod.Ports) == 0 || len(n.UsedPorts) == 0 {
		return nil
	}
	for _, want := range pod.Ports {
		for used := range n.UsedPorts {
			if used.Port != want.Port || used.Protocol != want.Protocol {
				continue
			}
			if used.IP == want.IP || used.IP == "0.0.0.0" || want.IP == "0.0.0.0" {
				return &Reason{Message: MsgPorts}
			}
		}
	}
	return nil
}

// VolumeBinding enforces the node affinity of the pod's bound persistent
// volumes (local PVs) and rejects pods whose claims cannot be used yet.
func VolumeBinding(pod *state.PodInfo, n *state.NodeInfo) *Reason {
	if pod.Volumes.Problem != "" {
		return &Reason{Message: pod.Volumes.Problem}
	}
	for _, sel := range pod.Volumes.NodeAffinity {
		if !sel.Matches(n.Name, n.Labels()) {
			return &Reason{Message: MsgVolumeAffinity}
		}
	}
	return nil
}
