package registry

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// podQOS computes a pod's QoS class as upstream's GetPodQOS does:
// Guaranteed when every container has cpu and memory limits equal to
// its requests, BestEffort when no container asks for cpu or memory,
// Burstable otherwise. Run it after defaulting (requests from limits).
func podQOS(spec *corev1.PodSpec) corev1.PodQOSClass {
	requests, limits := corev1.ResourceList{}, corev1.ResourceList{}
	guaranteed := true
	all := append(append([]corev1.Container(nil), spec.Containers...), spec.InitContainers...)
	for _, c := range all {
		addQOS(requests, c.Resources.Requests)
		found := addQOS(limits, c.Resources.Limits)
		if !found[corev1.ResourceCPU] || !found[corev1.ResourceMemory] {
			guaranteed = false
		}
	}
	if len(requests) == 0 && len(limits) == 0 {
		return corev1.PodQOSBestEffort
	}
	if guaranteed {
		for name, req := range requests {
			if lim, ok := limits[name]; !ok || lim.Cmp(req) != 0 {
				guaranteed = false
				break
			}
		}
	}
	if guaranteed && len(requests) == len(limits) {
		return corev1.PodQOSGuaranteed
	}
	return corev1.PodQOSBurstable
}

// addQOS sums the positive cpu and memory quantities of l into sum and
// reports which of the two were present.
func addQOS(sum, l corev1.ResourceList) map[corev1.ResourceName]bool {
	found := map[corev1.ResourceName]bool{}
	for name, q := range l {
		if name != corev1.ResourceCPU && name != corev1.ResourceMemory {
			continue
		}
		if q.Cmp(resource.Quantity{}) == 1 {
			found[name] = true
			cur := sum[name]
			cur.Add(q)
			sum[name] = cur
		}
	}
	return found
}
