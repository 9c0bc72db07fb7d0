package cgroups

import (
	"path"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// Upstream's constants (pkg/kubelet/cm).
const (
	MinShares     = 2
	MaxShares     = 262144
	sharesPerCPU  = 1024
	QuotaPeriod   = 100000 // µs
	minQuota      = 1000   // µs
	guaranteedOOM = -997
	bestEffortOOM = 1000
)

// QOS class directories under the parent; Guaranteed pods sit directly in it.
const (
	BurstableDir  = "burstable"
	BestEffortDir = "besteffort"
)

// QOSClass is upstream's QoS classification of pod, over cpu and memory.
func QOSClass(pod *corev1.Pod) corev1.PodQOSClass {
	any, guaranteed := false, true
	for _, c := range allContainers(pod) {
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, hasReq := c.Resources.Requests[r]
			lim, hasLim := c.Resources.Limits[r]
			any = any || hasReq || hasLim
			if !hasLim || (hasReq && req.Cmp(lim) != 0) {
				guaranteed = false
			}
		}
	}
	switch {
	case !any:
		return corev1.PodQOSBestEffort
	case guaranteed:
		return corev1.PodQOSGuaranteed
	default:
		return corev1.PodQOSBurstable
	}
}

// PodPath is pod's cgroup under parent ("/wharf"), by QoS class.
func PodPath(parent string, pod *corev1.Pod) string {
	return podPath(parent, QOSClass(pod), string(pod.UID))
}

func podPath(parent string, qos corev1.PodQOSClass, uid string) string {
	dir := "pod" + uid
	switch qos {
	case corev1.PodQOSBurstable:
		return path.Join(parent, BurstableDir, dir)
	case corev1.PodQOSBestEffort:
		return path.Join(parent, BestEffortDir, dir)
	default:
		return path.Join(parent, dir)
	}
}

// podPaths are every place pod uid's cgroup may be, whatever its QoS.
func podPaths(parent, uid string) []string {
	return []string{
		podPath(parent, corev1.PodQOSGuaranteed, uid),
		podPath(parent, corev1.PodQOSBurstable, uid),
		podPath(parent, corev1.PodQOSBestEffort, uid),
	}
}

// MilliCPUToShares converts a cpu request to cpu.shares as upstream does.
func MilliCPUToShares(milli int64) uint64 {
	if milli <= 0 {
		return MinShares
	}
	s := uint64(milli * sharesPerCPU / 1000)
	return min(max(s, MinShares), MaxShares)
}

// MilliCPUToQuota converts a cpu limit to a CFS quota per QuotaPeriod;
// 0 means no limit.
func MilliCPUToQuota(milli int64) int64 {
	if milli <= 0 {
		return 0
	}
	return max(milli*QuotaPeriod/1000, minQuota)
}

// ContainerResources are the cgroup settings of container c of pod;
// memoryCapacity (the node's) scales Burstable containers' oom_score_adj.
// A cpu request defaults to the limit, as the API server does.
func ContainerResources(pod *corev1.Pod, c *corev1.Container, memoryCapacity int64) runtime.Resources {
	r := runtime.Resources{OOMScoreAdj: OOMScoreAdj(pod, c, memoryCapacity)}
	req, hasReq := c.Resources.Requests[corev1.ResourceCPU]
	lim, hasLim := c.Resources.Limits[corev1.ResourceCPU]
	switch {
	case hasReq:
		r.CPUShares = MilliCPUToShares(req.MilliValue())
	case hasLim:
		r.CPUShares = MilliCPUToShares(lim.MilliValue())
	default:
		r.CPUShares = MinShares
	}
	if hasLim {
		r.CPUQuota, r.CPUPeriod = MilliCPUToQuota(lim.MilliValue()), QuotaPeriod
	}
	if m, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		r.MemoryLimit = m.Value()
	}
	return r
}

// PodResources are the pod cgroup's settings: shares are the sum of the
// containers' requests; quota and memory are the sums of the limits, set
// only when every container has one (upstream's rule). Init containers
// count by their maximum, since they run one at a time.
func PodResources(pod *corev1.Pod) runtime.Resources {
	var cpuReq, cpuLim, memLim int64
	allCPU, allMem := true, true
	for _, c := range pod.Spec.Containers {
		q := request(c, corev1.ResourceCPU)
		cpuReq += q.MilliValue()
		if l, ok := c.Resources.Limits[corev1.ResourceCPU]; ok {
			cpuLim += l.MilliValue()
		} else {
			allCPU = false
		}
		if l, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
			memLim += l.Value()
		} else {
			allMem = false
		}
	}
	for _, c := range pod.Spec.InitContainers {
		q := request(c, corev1.ResourceCPU)
		cpuReq = max(cpuReq, q.MilliValue())
		l, ok := c.Resources.Limits[corev1.ResourceCPU]
		cpuLim, allCPU = max(cpuLim, l.MilliValue()), allCPU && ok
		m, ok := c.Resources.Limits[corev1.ResourceMemory]
		memLim, allMem = max(memLim, m.Value()), allMem && ok
	}
	r := runtime.Resources{CPUShares: MilliCPUToShares(cpuReq)}
	if allCPU && len(pod.Spec.Containers) > 0 {
		r.CPUQuota, r.CPUPeriod = MilliCPUToQuota(cpuLim), QuotaPeriod
	}
	if allMem && len(pod.Spec.Containers) > 0 {
		r.MemoryLimit = memLim
	}
	return r
}

// OOMScoreAdj is upstream's per-QoS oom_score_adj: Guaranteed -997,
// BestEffort 1000, Burstable 1000 - 1000*memoryRequest/capacity in [2, 999].
func OOMScoreAdj(pod *corev1.Pod, c *corev1.Container, memoryCapacity int64) int {
	switch QOSClass(pod) {
	case corev1.PodQOSGuaranteed:
		return guaranteedOOM
	case corev1.PodQOSBestEffort:
		return bestEffortOOM
	}
	if memoryCapacity <= 0 {
		return 999
	}
	q := request(*c, corev1.ResourceMemory)
	req := q.Value()
	adj := 1000 - int(1000*req/memoryCapacity)
	return min(max(adj, 2), 999)
}

// request is c's request for r, defaulting to its limit (zero if neither).
func request(c corev1.Container, r corev1.ResourceName) resource.Quantity {
	if q, ok := c.Resources.Requests[r]; ok {
		return q
	}
	return c.Resources.Limits[r]
}

func allContainers(pod *corev1.Pod) []corev1.Container {
	return append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...)
}
