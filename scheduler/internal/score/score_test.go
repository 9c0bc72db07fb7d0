package score

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/scheduler/internal/state"
	tp "github.com/wharfhq/wharf/scheduler/internal/testpods"
)

func ni(n *corev1.Node, pods ...*corev1.Pod) *state.NodeInfo {
	out := state.NewNodeInfo(n)
	for _, p := range pods {
		out.AddPod(state.NewPodInfo(p))
	}
	return out
}

func TestLeastAllocated(t *testing.T) {
	cases := []struct {
		name string
		pod  *corev1.Pod
		node *state.NodeInfo
		want int64
	}{
		{"empty node", tp.Pod("p", "1", "2Gi"), ni(tp.Node("a", "4", "8Gi")), 75},
		{"half used", tp.Pod("p", "1", "2Gi"), ni(tp.Node("a", "4", "8Gi"), tp.Pod("x", "1", "2Gi")), 50},
		{"defaults for no requests", tp.Pod("p", "", ""), ni(tp.Node("a", "1", "400Mi")), 70},
		{"overcommitted", tp.Pod("p", "8", "16Gi"), ni(tp.Node("a", "4", "8Gi")), 0},
	}
	for _, c := range cases {
		if got := LeastAllocated(state.NewPodInfo(c.pod), c.node); got != c.want {
			t.Errorf("%s: got %d want %d", c.name, got, c.want)
		}
	}
}

func TestBalancedAllocation(t *testing.T) {
	cases := []struct {
		name string
		pod  *corev1.Pod
		node *state.NodeInfo
		want int64
	}{
		{"balanced", tp.Pod("p", "1", "2Gi"), ni(tp.Node("a", "4", "8Gi")), 100},
		{"cpu heavy", tp.Pod("p", "4", "0"), ni(tp.Node("a", "4", "8Gi")), 50},
		{"quarter skew", tp.Pod("p", "2", "0"), ni(tp.Node("a", "4", "8Gi")), 75},
	}
	for _, c := range cases {
		if got := BalancedAllocation(state.NewPodInfo(c.pod), c.node); got != c.want {
			t.Errorf("%s: got %d want %d", c.name, got, c.want)
		}
	}
}

func TestPreferredNodeAffinity(t *testing.T) {
	pod := tp.Pod("p", "", "", func(p *corev1.Pod) {
		p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{
				{Weight: 10, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{
					{Key: "disk", Operator: corev1.NodeSelectorOpIn, Values: []string{"ssd"}}}}},
				{Weight: 5, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{
					{Key: "zone", Operator: corev1.NodeSelectorOpExists}}}},
			}}}
	})
	lbl := func(kv ...string) func(*corev1.Node) {
		return func(n *corev1.Node) {
			for i := 0; i < len(kv); i += 2 {
				n.Labels[kv[i]] = kv[i+1]
			}
		}
	}
	pi := state.NewPodInfo(pod)
	got := []int64{
		PreferredNodeAffinity(pi, ni(tp.Node("a", "1", "1Gi"))),
		PreferredNodeAffinity(pi, ni(tp.Node("b", "1", "1Gi", lbl("disk", "ssd")))),
		PreferredNodeAffinity(pi, ni(tp.Node("c", "1", "1Gi", lbl("disk", "ssd", "zone", "z")))),
	}
	if want := []int64{0, 10, 15}; !slices.Equal(got, want) {
		t.Fatalf("raw: got %v want %v", got, want)
	}
	Normalize(false)(got)
	if want := []int64{0, 66, 100}; !slices.Equal(got, want) {
		t.Fatalf("normalized: got %v want %v", got, want)
	}
}

func TestIntolerablePreferNoSchedule(t *testing.T) {
	taints := func(n *corev1.Node) {
		n.Spec.Taints = []corev1.Taint{
			{Key: "a", Effect: corev1.TaintEffectPreferNoSchedule},
			{Key: "b", Effect: corev1.TaintEffectPreferNoSchedule},
			{Key: "c", Effect: corev1.TaintEffectNoSchedule},
		}
	}
	node := ni(tp.Node("a", "1", "1Gi", taints))
	plain := state.NewPodInfo(tp.Pod("p", "", ""))
	tolerant := state.NewPodInfo(tp.Pod("p", "", "", func(p *corev1.Pod) {
		p.Spec.Tolerations = []corev1.Toleration{{Key: "a", Operator: corev1.TolerationOpExists}}
	}))
	if got := IntolerablePreferNoSchedule(plain, node); got != 2 {
		t.Errorf("plain: got %d want 2", got)
	}
	if got := IntolerablePreferNoSchedule(tolerant, node); got != 1 {
		t.Errorf("tolerant: got %d want 1", got)
	}
	scores := []int64{2, 1, 0}
	Normalize(true)(scores)
	if want := []int64{0, 50, 100}; !slices.Equal(scores, want) {
		t.Errorf("reversed: got %v want %v", scores, want)
	}
}

func TestSameOwnerPods(t *testing.T) {
	node := ni(tp.Node("a", "1", "1Gi"), tp.Pod("x", "", "", tp.OwnedBy("rs1")), tp.Pod("y", "", "", tp.OwnedBy("rs1")),
		tp.Pod("z", "", "", tp.OwnedBy("rs2")), tp.Pod("w", "", ""))
	cases := []struct {
		name string
		pod  *corev1.Pod
		want int64
	}{
		{"owner rs1", tp.Pod("p", "", "", tp.OwnedBy("rs1")), 2},
		{"owner rs2", tp.Pod("p", "", "", tp.OwnedBy("rs2")), 1},
		{"no owner", tp.Pod("p", "", ""), 0},
	}
	for _, c := range cases {
		if got := SameOwnerPods(state.NewPodInfo(c.pod), node); got != c.want {
			t.Errorf("%s: got %d want %d", c.name, got, c.want)
		}
	}
	zero := []int64{0, 0}
	Normalize(true)(zero)
	if !slices.Equal(zero, []int64{100, 100}) {
		t.Errorf("all-zero reversed: %v", zero)
	}
}
