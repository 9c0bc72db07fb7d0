package node

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// ParseResourceList parses a --kube-reserved / --system-reserved value,
// "cpu=100m,memory=256Mi,ephemeral-storage=1Gi" ("" is empty).
func ParseResourceList(s string) (corev1.ResourceList, error) {
	out := corev1.ResourceList{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("node: %q: want name=quantity", part)
		}
		name := corev1.ResourceName(strings.TrimSpace(k))
		switch name {
		case corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage, "pid":
		default:
			return nil, fmt.Errorf("node: %q: unsupported resource %q (want cpu, memory, ephemeral-storage or pid)", part, name)
		}
		q, err := resource.ParseQuantity(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("node: %q: %w", part, err)
		}
		if q.Sign() < 0 {
			return nil, fmt.Errorf("node: %q: negative quantity", part)
		}
		out[name] = q
	}
	return out, nil
}

// Reserve sets aside rl (kube-reserved, system-reserved, the hard eviction
// threshold) from what pods may be allocated:
// allocatable = capacity - sum of reservations, never below zero.
func (m *Machine) Reserve(rl corev1.ResourceList) {
	if q, ok := rl[corev1.ResourceCPU]; ok {
		m.ReservedCPUMilli += q.MilliValue()
	}
	if q, ok := rl[corev1.ResourceMemory]; ok {
		m.ReservedMemory += q.Value()
	}
	if q, ok := rl[corev1.ResourceEphemeralStorage]; ok {
		m.ReservedEphemeral += q.Value()
	}
}
