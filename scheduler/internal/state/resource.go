package state

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Defaults used for scoring containers that request nothing, as upstream.
const (
	DefaultMilliCPURequest int64 = 100
	DefaultMemoryRequest   int64 = 200 * 1024 * 1024
)

// Resource is an amount of every resource the scheduler accounts for.
type Resource struct {
	MilliCPU         int64
	Memory           int64
	EphemeralStorage int64
	// Pods is a pod count: allocatable pods on a node, 1 for a pod.
	Pods int64
	// Scalar holds extended resources (e.g. example.com/gpu), by name.
	Scalar map[corev1.ResourceName]int64
}

// Add adds r2 to r.
func (r *Resource) Add(r2 *Resource) {
	r.MilliCPU += r2.MilliCPU
	r.Memory += r2.Memory
	r.EphemeralStorage += r2.EphemeralStorage
	r.Pods += r2.Pods
	for name, v := range r2.Scalar {
		r.setScalar(name, r.Scalar[name]+v)
	}
}

// Sub subtracts r2 from r.
func (r *Resource) Sub(r2 *Resource) {
	r.MilliCPU -= r2.MilliCPU
	r.Memory -= r2.Memory
	r.EphemeralStorage -= r2.EphemeralStorage
	r.Pods -= r2.Pods
	for name, v := range r2.Scalar {
		r.setScalar(name, r.Scalar[name]-v)
	}
}

// Max raises every amount of r to at least the amount in r2.
func (r *Resource) Max(r2 *Resource) {
	r.MilliCPU = max(r.MilliCPU, r2.MilliCPU)
	r.Memory = max(r.Memory, r2.Memory)
	r.EphemeralStorage = max(r.EphemeralStorage, r2.EphemeralStorage)
	r.Pods = max(r.Pods, r2.Pods)
	for name, v := range r2.Scalar {
		if v > r.Scalar[name] {
			r.setScalar(name, v)
		}
	}
}

// Clone returns a deep copy of r.
func (r Resource) Clone() Resource {
	out := r
	out.Scalar = nil
	for name, v := range r.Scalar {
		out.setScalar(name, v)
	}
	return out
}

func (r *Resource) setScalar(name corev1.ResourceName, v int64) {
	if r.Scalar == nil {
		r.Scalar = make(map[corev1.ResourceName]int64)
	}
	r.Scalar[name] = v
}

// FromList converts a ResourceList (requests or allocatable).
func FromList(rl corev1.ResourceList) Resource {
	var r Resource
	for name, q := range rl {
		r.addQuantity(name, q)
	}
	return r
}

func (r *Resource) addQuantity(name corev1.ResourceName, q resource.Quantity) {
	switch name {
	case corev1.ResourceCPU:
		r.MilliCPU += q.MilliValue()
	case corev1.ResourceMemory:
		r.Memory += q.Value()
	case corev1.ResourceEphemeralStorage:
		r.EphemeralStorage += q.Value()
	case corev1.ResourcePods:
		r.Pods += q.Value()
	default:
		if isScalar(name) {
			r.setScalar(name, r.Scalar[name]+q.Value())
		}
	}
}

// isScalar reports whether name is an extended or hugepages resource that
// the scheduler must account for.
func isScalar(name corev1.ResourceName) bool {
	s := string(name)
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return !hasPrefix(s, "requests.") && !hasPrefix(s, "kubernetes.io/")
		}
	}
	return hasPrefix(s, "hugepages-")
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// PodRequests computes what a pod needs on a node, as upstream does: the
// larger of the sum of the app containers (plus restartable init
// containers) and each ordinary init container, plus pod overhead. Pods is
// always 1. nonZero is the same with scoring defaults for cpu and memory.
func PodRequests(pod *corev1.Pod) (req, nonZero Resource) {
	var sidecars Resource
	for i := range pod.Spec.Containers {
		c := FromList(pod.Spec.Containers[i].Resources.Requests)
		req.Add(&c)
		nonZero.MilliCPU += orDefault(c.MilliCPU, DefaultMilliCPURequest, pod.Spec.Containers[i].Resources.Requests, corev1.ResourceCPU)
		nonZero.Memory += orDefault(c.Memory, DefaultMemoryRequest, pod.Spec.Containers[i].Resources.Requests, corev1.ResourceMemory)
	}
	for i := range pod.Spec.InitContainers {
		ic := &pod.Spec.InitContainers[i]
		c := FromList(ic.Resources.Requests)
		if ic.RestartPolicy != nil && *ic.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sidecars.Add(&c)
			req.Add(&c)
			continue
		}
		c.Add(&sidecars)
		req.Max(&c)
	}
	if pod.Spec.Overhead != nil {
		o := FromList(pod.Spec.Overhead)
		req.Add(&o)
		nonZero.MilliCPU += o.MilliCPU
		nonZero.Memory += o.Memory
	}
	req.Pods, nonZero.Pods = 1, 1
	return req, nonZero
}

func orDefault(v, def int64, rl corev1.ResourceList, name corev1.ResourceName) int64 {
	if _, ok := rl[name]; ok {
		return v
	}
	return def
}
