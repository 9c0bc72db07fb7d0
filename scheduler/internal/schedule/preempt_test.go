package schedule

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/scheduler/internal/state"
	tp "github.com/wharfhq/wharf/scheduler/internal/testpods"
)

func prio(p int32) func(*corev1.Pod) { return func(pod *corev1.Pod) { pod.Spec.Priority = &p } }

// running is a pod on node with the given cpu request and priority.
func running(name, node, cpu string, p int32, mutate ...func(*corev1.Pod)) *corev1.Pod {
	return tp.Pod(name, cpu, "", append([]func(*corev1.Pod){tp.OnNode(node), prio(p)}, mutate...)...)
}

// cluster builds a snapshot of 2-cpu nodes named by the keys of pods.
func cluster(nodes []string, pods ...*corev1.Pod) *state.Snapshot {
	infos := make([]*state.NodeInfo, len(nodes))
	for i, name := range nodes {
		infos[i] = state.NewNodeInfo(tp.Node(name, "2", "8Gi"))
		for _, p := range pods {
			if p.Spec.NodeName == name {
				infos[i].AddPod(state.NewPodInfo(p))
			}
		}
	}
	return state.NewSnapshot(infos)
}

func TestPreempt(t *testing.T) {
	never := func(p *corev1.Pod) { pol := corev1.PreemptNever; p.Spec.PreemptionPolicy = &pol }
	nominated := func(p *corev1.Pod) { p.Status.NominatedNodeName = "a" }
	terminating := func(p *corev1.Pod) { now := metav1.Now(); p.DeletionTimestamp = &now }
	taint := func(n *corev1.Node) { n.Spec.Taints = []corev1.Taint{{Key: "k", Effect: corev1.TaintEffectNoSchedule}} }
	cases := []struct {
		name    string
		snap    *state.Snapshot
		pod     *corev1.Pod
		node    string
		victims []string
	}{
		{"evicts the lowest", cluster([]string{"a"}, running("low", "a", "1", 1), running("mid", "a", "1", 5)),
			tp.Pod("p", "1", "", prio(10)), "a", []string{"low"}},
		{"keeps what still fits", cluster([]string{"a"}, running("x", "a", "500m", 1), running("y", "a", "500m", 1),
			running("z", "a", "1", 1)), tp.Pod("p", "1", "", prio(10)), "a", []string{"z"}},
		{"prefers lower victims", cluster([]string{"a", "b"}, running("a1", "a", "2", 5), running("b1", "b", "2", 3)),
			tp.Pod("p", "1", "", prio(10)), "b", []string{"b1"}},
		{"prefers fewer victims", cluster([]string{"a", "b"}, running("a1", "a", "1", 1), running("a2", "a", "1", 1),
			running("b1", "b", "2", 1)), tp.Pod("p", "2", "", prio(10)), "b", []string{"b1"}},
		{"equal priority is never a victim", cluster([]string{"a"}, running("eq", "a", "2", 10)),
			tp.Pod("p", "1", "", prio(10)), "", nil},
		{"not enough even when empty", cluster([]string{"a"}, running("low", "a", "1", 1)),
			tp.Pod("p", "3", "", prio(10)), "", nil},
		{"policy Never", cluster([]string{"a"}, running("low", "a", "2", 1)),
			tp.Pod("p", "1", "", prio(10), never), "", nil},
		{"victims still terminating", cluster([]string{"a"}, running("low", "a", "2", 1, terminating)),
			tp.Pod("p", "1", "", prio(10), nominated), "", nil},
		{"unresolvable filter", func() *state.Snapshot {
			n := state.NewNodeInfo(tp.Node("a", "2", "8Gi", taint))
			n.AddPod(state.NewPodInfo(running("low", "a", "2", 1)))
			return state.NewSnapshot([]*state.NodeInfo{n})
		}(), tp.Pod("p", "1", "", prio(10)), "", nil},
	}
	alg := New(Config{Tiebreak: first})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pi := state.NewPodInfo(tc.pod)
			res := alg.Schedule(tc.snap, pi, 0)
			if res.Node != "" {
				t.Fatalf("pod fits on %s without preemption", res.Node)
			}
			plan, ok := alg.Preempt(tc.snap, pi, res.Reasons)
			if ok != (tc.node != "") || plan.Node != tc.node {
				t.Fatalf("preempt on %q (ok %v), want %q", plan.Node, ok, tc.node)
			}
			var got []string
			for _, v := range plan.Victims {
				got = append(got, v.Name)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.victims) {
				t.Fatalf("victims %v, want %v", got, tc.victims)
			}
		})
	}
}
