package nodelifecycle

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func nodeWithReady(st corev1.ConditionStatus, taints ...corev1.Taint) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n"}, Spec: corev1.NodeSpec{Taints: taints}}
	if st != "" {
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: st}}
	}
	return n
}

func TestDesiredTaints(t *testing.T) {
	now := time.Unix(1000, 0)
	earlier := metav1.NewTime(time.Unix(500, 0))
	custom := corev1.Taint{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}
	unreach := corev1.Taint{Key: TaintUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: &earlier}
	tests := []struct {
		name string
		node *corev1.Node
		want []string
	}{
		{"ready keeps custom taints", nodeWithReady(corev1.ConditionTrue, custom), []string{"dedicated:NoSchedule"}},
		{"ready drops managed taints", nodeWithReady(corev1.ConditionTrue, unreach), nil},
		{"not ready", nodeWithReady(corev1.ConditionFalse), []string{TaintNotReady + ":NoSchedule", TaintNotReady + ":NoExecute"}},
		{"unknown replaces not-ready", nodeWithReady(corev1.ConditionUnknown, corev1.Taint{Key: TaintNotReady, Effect: corev1.TaintEffectNoExecute}),
			[]string{TaintUnreachable + ":NoSchedule", TaintUnreachable + ":NoExecute"}},
		{"no Ready condition yet", nodeWithReady(""), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DesiredTaints(tt.node, now)
			var keys []string
			for _, g := range got {
				keys = append(keys, g.Key+":"+string(g.Effect))
				if g.Effect == corev1.TaintEffectNoExecute && (g.TimeAdded == nil || !g.TimeAdded.Equal(&metav1.Time{Time: now})) {
					t.Errorf("new NoExecute taint %s has timeAdded %v, want now", g.Key, g.TimeAdded)
				}
			}
			if len(keys) != len(tt.want) {
				t.Fatalf("taints = %v, want %v", keys, tt.want)
			}
			for i := range keys {
				if keys[i] != tt.want[i] {
					t.Fatalf("taints = %v, want %v", keys, tt.want)
				}
			}
		})
	}
	// An existing taint keeps its timeAdded.
	got := DesiredTaints(nodeWithReady(corev1.ConditionUnknown, unreach), now)
	for _, g := range got {
		if g.Effect == corev1.TaintEffectNoExecute && !g.TimeAdded.Equal(&earlier) {
			t.Errorf("existing taint timeAdded changed to %v", g.TimeAdded)
		}
	}
}

func TestEvictionTime(t *testing.T) {
	added := time.Unix(1000, 0)
	ta := metav1.NewTime(added)
	unreach := corev1.Taint{Key: TaintUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: &ta}
	other := corev1.Taint{Key: "evict-me", Effect: corev1.TaintEffectNoExecute, TimeAdded: &ta}
	secs := func(n int64) *int64 { return &n }
	tol := func(key string, s *int64) corev1.Toleration {
		return corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: s}
	}
	tests := []struct {
		name   string
		tols   []corev1.Toleration
		taints []corev1.Taint
		at     time.Time
		evict  bool
	}{
		{"no NoExecute taints", nil, []corev1.Taint{{Key: TaintUnreachable, Effect: corev1.TaintEffectNoSchedule}}, time.Time{}, false},
		{"default toleration", nil, []corev1.Taint{unreach}, added.Add(300 * time.Second), true},
		{"explicit seconds", []corev1.Toleration{tol(TaintUnreachable, secs(5))}, []corev1.Taint{unreach}, added.Add(5 * time.Second), true},
		{"smallest of two tolerations", []corev1.Toleration{tol(TaintUnreachable, secs(50)), tol(TaintUnreachable, secs(7))}, []corev1.Taint{unreach}, added.Add(7 * time.Second), true},
		{"tolerated forever", []corev1.Toleration{tol(TaintUnreachable, nil)}, []corev1.Taint{unreach}, time.Time{}, false},
		{"wildcard toleration", []corev1.Toleration{{Operator: corev1.TolerationOpExists}}, []corev1.Taint{unreach, other}, time.Time{}, false},
		{"untolerated custom taint evicts at once", nil, []corev1.Taint{unreach, other}, added, true},
		{"value mismatch", []corev1.Toleration{{Key: "evict-me", Value: "x", Effect: corev1.TaintEffectNoExecute}}, []corev1.Taint{other}, added, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &corev1.Pod{Spec: corev1.PodSpec{Tolerations: tt.tols}}
			at, evict := EvictionTime(p, tt.taints, DefaultTolerationSeconds)
			if evict != tt.evict || !at.Equal(tt.at) {
				t.Errorf("EvictionTime = %v, %v; want %v, %v", at, evict, tt.at, tt.evict)
			}
		})
	}
}

func TestMarkUnknownAndHeartbeats(t *testing.T) {
	now := time.Unix(2000, 0)
	n := nodeWithReady(corev1.ConditionTrue)
	n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse})
	if !MarkUnknown(n, now) {
		t.Fatal("MarkUnknown reported no change")
	}
	for _, c := range n.Status.Conditions {
		if c.Status != corev1.ConditionUnknown || c.Reason != ReasonUnknown || c.Message != MessageUnknown {
			t.Errorf("condition %s = %s/%s", c.Type, c.Status, c.Reason)
		}
	}
	if MarkUnknown(n, now) {
		t.Error("second MarkUnknown reported a change")
	}
	fresh := nodeWithReady("")
	MarkUnknown(fresh, now)
	if rc := ReadyCondition(fresh); rc == nil || rc.Reason != ReasonNeverUpdated {
		t.Errorf("never-posted node Ready = %+v", rc)
	}

	h := newHeartbeats()
	p1 := time.Unix(100, 0)
	if got := h.observe("n", p1, now); !got.Equal(now) {
		t.Errorf("first observation seenAt = %v", got)
	}
	if got := h.observe("n", p1, now.Add(time.Minute)); !got.Equal(now) {
		t.Errorf("unchanged heartbeat seenAt moved to %v", got)
	}
	if got := h.observe("n", p1.Add(time.Second), now.Add(2*time.Minute)); !got.Equal(now.Add(2 * time.Minute)) {
		t.Errorf("renewed heartbeat seenAt = %v", got)
	}
}
