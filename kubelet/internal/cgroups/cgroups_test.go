package cgroups

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

func ctr(req, lim map[corev1.ResourceName]string) corev1.Container {
	c := corev1.Container{Name: "c"}
	for k, v := range req {
		if c.Resources.Requests == nil {
			c.Resources.Requests = corev1.ResourceList{}
		}
		c.Resources.Requests[k] = resource.MustParse(v)
	}
	for k, v := range lim {
		if c.Resources.Limits == nil {
			c.Resources.Limits = corev1.ResourceList{}
		}
		c.Resources.Limits[k] = resource.MustParse(v)
	}
	return c
}

func pod(cs ...corev1.Container) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{UID: "u1"}, Spec: corev1.PodSpec{Containers: cs}}
}

const (
	cpu = corev1.ResourceCPU
	mem = corev1.ResourceMemory
)

func TestQOSAndResources(t *testing.T) {
	guaranteed := pod(ctr(nil, map[corev1.ResourceName]string{cpu: "500m", mem: "64Mi"}))
	burstable := pod(
		ctr(map[corev1.ResourceName]string{cpu: "100m", mem: "1Gi"}, map[corev1.ResourceName]string{cpu: "250m", mem: "2Gi"}),
		ctr(map[corev1.ResourceName]string{cpu: "50m"}, nil),
	)
	bestEffort := pod(ctr(nil, nil))
	for _, c := range []struct {
		pod  *corev1.Pod
		qos  corev1.PodQOSClass
		path string
		ctr  runtime.Resources
		pod1 runtime.Resources
	}{
		{guaranteed, corev1.PodQOSGuaranteed, "/wharf/podu1",
			runtime.Resources{CPUShares: 512, CPUQuota: 50000, CPUPeriod: 100000, MemoryLimit: 64 << 20, OOMScoreAdj: -997},
			runtime.Resources{CPUShares: 512, CPUQuota: 50000, CPUPeriod: 100000, MemoryLimit: 64 << 20}},
		{burstable, corev1.PodQOSBurstable, "/wharf/burstable/podu1",
			runtime.Resources{CPUShares: 102, CPUQuota: 25000, CPUPeriod: 100000, MemoryLimit: 2 << 30, OOMScoreAdj: 750},
			runtime.Resources{CPUShares: 153}},
		{bestEffort, corev1.PodQOSBestEffort, "/wharf/besteffort/podu1",
			runtime.Resources{CPUShares: 2, OOMScoreAdj: 1000}, runtime.Resources{CPUShares: 2}},
	} {
		if q := QOSClass(c.pod); q != c.qos {
			t.Errorf("QOSClass = %s, want %s", q, c.qos)
		}
		if p := PodPath("/wharf", c.pod); p != c.path {
			t.Errorf("PodPath = %s, want %s", p, c.path)
		}
		if r := ContainerResources(c.pod, &c.pod.Spec.Containers[0], 4<<30); r != c.ctr {
			t.Errorf("%s container: %+v, want %+v", c.qos, r, c.ctr)
		}
		if r := PodResources(c.pod); r != c.pod1 {
			t.Errorf("%s pod: %+v, want %+v", c.qos, r, c.pod1)
		}
	}
	if MilliCPUToQuota(1) != 1000 || MilliCPUToShares(100000000) != MaxShares || SharesToWeight(2) != 1 || SharesToWeight(262144) != 10000 {
		t.Error("conversion bounds")
	}
}

// fakeRoot builds a cgroup mount point in a temp dir: v1 has one
// directory per controller, v2 a cgroup.controllers file.
func fakeRoot(t *testing.T, v2 bool) string {
	root := t.TempDir()
	if v2 {
		if err := os.WriteFile(filepath.Join(root, "cgroup.controllers"), []byte("cpu memory pids"), 0o644); err != nil {
			t.Fatal(err)
		}
		return root
	}
	for _, c := range []string{"cpu", "memory", "pids", "cpuacct"} {
		if err := os.MkdirAll(filepath.Join(root, c), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func read(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

func TestManagerV1AndV2Files(t *testing.T) {
	p := pod(ctr(nil, map[corev1.ResourceName]string{cpu: "500m", mem: "64Mi"}))
	for _, v2 := range []bool{false, true} {
		root := fakeRoot(t, v2)
		m, err := NewManager(Config{Root: root, Parent: "/wharf"})
		if err != nil || m.V2() != v2 {
			t.Fatalf("NewManager: v2=%v, %v", m.V2(), err)
		}
		got, err := m.EnsurePod(t.Context(), p)
		if err != nil || got != "/wharf/podu1" {
			t.Fatalf("EnsurePod = %q, %v", got, err)
		}
		if v2 {
			dir := filepath.Join(root, "wharf/podu1")
			if read(t, filepath.Join(dir, "memory.max")) != "67108864" || read(t, filepath.Join(dir, "cpu.max")) != "50000 100000" ||
				read(t, filepath.Join(dir, "cpu.weight")) != "20" || read(t, filepath.Join(root, "wharf/cgroup.subtree_control")) != "+cpu +memory +pids" {
				t.Error("v2 files")
			}
			if err := os.WriteFile(filepath.Join(dir, "memory.events"), []byte("low 0\noom 2\noom_kill 1\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		} else {
			if read(t, filepath.Join(root, "memory/wharf/podu1/memory.limit_in_bytes")) != "67108864" ||
				read(t, filepath.Join(root, "cpu/wharf/podu1/cpu.cfs_quota_us")) != "50000" ||
				read(t, filepath.Join(root, "cpu/wharf/podu1/cpu.shares")) != "512" {
				t.Error("v1 files")
			}
			if err := os.WriteFile(filepath.Join(root, "memory/wharf/podu1/memory.oom_control"), []byte("oom_kill_disable 0\nunder_oom 0\noom_kill 1\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := m.OOMKills("/wharf/podu1"); err != nil || n != 1 {
			t.Errorf("v2=%v OOMKills = %d, %v", v2, n, err)
		}
		if _, err := m.OOMKills("/wharf/gone"); err == nil {
			t.Error("OOMKills of a missing cgroup did not fail")
		}
		// Plain directories hold files rmdir cannot remove, unlike cgroupfs:
		// RemovePod must fail rather than pretend.
		if err := m.RemovePod(t.Context(), "u1"); err == nil {
			t.Error("RemovePod removed a non-empty plain directory")
		}
	}
	if _, err := NewManager(Config{Root: t.TempDir(), Parent: "relative"}); err == nil {
		t.Error("relative parent accepted")
	}
}
