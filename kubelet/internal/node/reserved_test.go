package node

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestReserve(t *testing.T) {
	kube, err := ParseResourceList("cpu=100m, memory=256Mi,ephemeral-storage=1Gi")
	if err != nil {
		t.Fatal(err)
	}
	sys, err := ParseResourceList("cpu=1,memory=1Gi,pid=100")
	if err != nil {
		t.Fatal(err)
	}
	m := Machine{CPUs: 2, MemoryBytes: 4 << 30, EphemeralBytes: 10 << 30}
	m.Reserve(kube)
	m.Reserve(sys)
	capacity, alloc := m.Capacity()
	cpu, mem, disk := alloc[corev1.ResourceCPU], alloc[corev1.ResourceMemory], alloc[corev1.ResourceEphemeralStorage]
	if cpu.MilliValue() != 900 || mem.Value() != 4<<30-(256<<20)-(1<<30) || disk.Value() != 9<<30 {
		t.Errorf("allocatable = %v (capacity %v)", alloc, capacity)
	}
	m.Reserve(corev1.ResourceList{corev1.ResourceCPU: cpu.DeepCopy(), corev1.ResourceMemory: capacity[corev1.ResourceMemory]})
	_, alloc = m.Capacity()
	if q := alloc[corev1.ResourceCPU]; q.MilliValue() != 0 {
		t.Errorf("over-reserved cpu = %s, want 0", q.String())
	}
	for _, bad := range []string{"cpu", "gpu=1", "memory=-1Gi", "memory=lots"} {
		if _, err := ParseResourceList(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
