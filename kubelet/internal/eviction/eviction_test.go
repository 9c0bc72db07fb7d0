package eviction

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

type fixedStats struct{ st Stats }

func (f *fixedStats) Stats(context.Context) (Stats, error) { return f.st, nil }

type recorder struct {
	names, messages []string
}

func (r *recorder) Evict(_ context.Context, p *corev1.Pod, msg string) error {
	r.names, r.messages = append(r.names, p.Name), append(r.messages, msg)
	return nil
}

func mkPod(name string, qos string, age time.Duration) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(time.Unix(1e6, 0).Add(-age))}}
	c := corev1.Container{Name: "c"}
	switch qos {
	case "guaranteed":
		rl := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("1Gi")}
		c.Resources = corev1.ResourceRequirements{Limits: rl, Requests: rl}
	case "burstable":
		c.Resources.Requests = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}
	}
	p.Spec.Containers = []corev1.Container{c}
	return p
}

func TestParseThresholds(t *testing.T) {
	ts, err := ParseThresholds("memory.available<100Mi, nodefs.available<10%")
	if err != nil || len(ts) != 2 || ts[0].Quantity != 100<<20 || ts[1].Percent != 10 {
		t.Fatalf("ParseThresholds = %+v, %v", ts, err)
	}
	if ts, _ := ParseThresholds(""); len(ts) != 2 {
		t.Errorf("defaults = %+v", ts)
	}
	for _, bad := range []string{"memory.available", "pids.available<10", "memory.available<lots", "nodefs.available<200%"} {
		if _, err := ParseThresholds(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRank(t *testing.T) {
	failed := mkPod("done", "", 0)
	failed.Status.Phase = corev1.PodFailed
	low := int32(-5)
	lowPrio := mkPod("burst-low", "burstable", time.Hour)
	lowPrio.Spec.Priority = &low
	got := Rank([]*corev1.Pod{
		mkPod("guar", "guaranteed", 0), mkPod("burst", "burstable", 0), lowPrio,
		mkPod("be-old", "", time.Hour), mkPod("be-new", "", time.Minute), failed,
	})
	var names []string
	for _, p := range got {
		names = append(names, p.Name)
	}
	if want := "be-new be-old burst-low burst guar"; strings.Join(names, " ") != want {
		t.Errorf("Rank = %v, want %s", names, want)
	}
}

func TestSynchronizeEvictsBestEffortFirst(t *testing.T) {
	stats := &fixedStats{Stats{MemoryAvailable: 2 << 30, MemoryCapacity: 8 << 30, DiskAvailable: 50 << 30, DiskCapacity: 100 << 30}}
	rec := &recorder{}
	pods := []*corev1.Pod{mkPod("guar", "guaranteed", 0), mkPod("be", "", time.Hour), mkPod("burst", "burstable", 0)}
	m := NewManager(Config{Thresholds: DefaultThresholds(), Stats: stats, Pods: func() []*corev1.Pod { return pods }, Evictor: rec})
	if p, err := m.Synchronize(t.Context()); p != nil || err != nil {
		t.Fatalf("no pressure: evicted %v, %v", p, err)
	}
	if mem, disk := m.Pressure(); mem || disk {
		t.Error("pressure without a crossed threshold")
	}
	stats.st.MemoryAvailable = 50 << 20
	p, err := m.Synchronize(t.Context())
	if err != nil || p == nil || p.Name != "be" {
		t.Fatalf("evicted %v, %v; want be", p, err)
	}
	if mem, _ := m.Pressure(); !mem {
		t.Error("MemoryPressure not reported")
	}
	want := "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. "
	if rec.messages[0] != want {
		t.Errorf("message = %q, want %q", rec.messages[0], want)
	}
	stats.st.MemoryAvailable, stats.st.DiskAvailable = 2<<30, 5<<30
	pods = pods[2:]
	p, _ = m.Synchronize(t.Context())
	if p == nil || p.Name != "burst" || !strings.Contains(rec.messages[1], "ephemeral-storage") {
		t.Errorf("disk eviction: %v %q", p, rec.messages)
	}
	if _, disk := m.Pressure(); !disk {
		t.Error("DiskPressure not reported")
	}
}
