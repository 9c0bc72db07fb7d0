package filter

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/wharfhq/wharf/scheduler/internal/state"
)

func node(name string, mutate ...func(*corev1.Node)) *corev1.Node {
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}},
		Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{
			corev1.ResourceCPU:              resource.MustParse("2"),
			corev1.ResourceMemory:           resource.MustParse("4Gi"),
			corev1.ResourcePods:             resource.MustParse("3"),
			corev1.ResourceEphemeralStorage: resource.MustParse("10Gi"),
		}},
	}
	for _, m := range mutate {
		m(n)
	}
	return n
}

func pod(name string, mutate ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name)},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}},
	}
	for _, m := range mutate {
		m(p)
	}
	return p
}

func requests(cpu, mem string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		rl := corev1.ResourceList{}
		if cpu != "" {
			rl[corev1.ResourceCPU] = resource.MustParse(cpu)
		}
		if mem != "" {
			rl[corev1.ResourceMemory] = resource.MustParse(mem)
		}
		p.Spec.Containers[0].Resources.Requests = rl
	}
}

func nodeInfo(n *corev1.Node, pods ...*corev1.Pod) *state.NodeInfo {
	ni := state.NewNodeInfo(n)
	for _, p := range pods {
		ni.AddPod(state.NewPodInfo(p))
	}
	return ni
}

type filterCase struct {
	name string
	pod  *corev1.Pod
	node *state.NodeInfo
	want string // "" = fits; else substring of the reason message
}

func runCases(t *testing.T, f Filter, cases []filterCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pi := state.NewPodInfo(tc.pod)
			pi.PrepareTopology(state.NewSnapshot([]*state.NodeInfo{tc.node}))
			r := f(pi, tc.node)
			switch {
			case tc.want == "" && r != nil:
				t.Fatalf("want fit, got %q", r.String())
			case tc.want != "" && r == nil:
				t.Fatalf("want %q, got fit", tc.want)
			case tc.want != "" && !strings.Contains(r.Message, tc.want):
				t.Fatalf("want %q, got %q", tc.want, r.Message)
			}
		})
	}
}

func TestNodeName(t *testing.T) {
	runCases(t, NodeName, []filterCase{
		{"unset", pod("p"), nodeInfo(node("a")), ""},
		{"match", pod("p", func(p *corev1.Pod) { p.Spec.NodeName = "a" }), nodeInfo(node("a")), ""},
		{"mismatch", pod("p", func(p *corev1.Pod) { p.Spec.NodeName = "b" }), nodeInfo(node("a")), MsgNodeName},
	})
}

func TestNodeUnschedulable(t *testing.T) {
	cordoned := node("a", func(n *corev1.Node) { n.Spec.Unschedulable = true })
	tolerate := func(p *corev1.Pod) {
		p.Spec.Tolerations = []corev1.Toleration{{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
	}
	runCases(t, NodeUnschedulable, []filterCase{
		{"schedulable", pod("p"), nodeInfo(node("a")), ""},
		{"cordoned", pod("p"), nodeInfo(cordoned), MsgUnschedulable},
		{"cordoned tolerated", pod("p", tolerate), nodeInfo(cordoned), ""},
	})
}

func taint(key, value string, effect corev1.TaintEffect) func(*corev1.Node) {
	return func(n *corev1.Node) {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: key, Value: value, Effect: effect})
	}
}

func toleration(tol corev1.Toleration) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Spec.Tolerations = append(p.Spec.Tolerations, tol) }
}

func TestTaintToleration(t *testing.T) {
	gpu := nodeInfo(node("a", taint("dedicated", "gpu", corev1.TaintEffectNoSchedule)))
	exec := nodeInfo(node("a", taint("k", "v", corev1.TaintEffectNoExecute)))
	prefer := nodeInfo(node("a", taint("k", "v", corev1.TaintEffectPreferNoSchedule)))
	notReady := nodeInfo(node("a", func(n *corev1.Node) {
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionFalse}}
	}))
	unreachable := nodeInfo(node("a", func(n *corev1.Node) {
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionUnknown}}
	}))
	ready := nodeInfo(node("a", func(n *corev1.Node) {
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	}))
	runCases(t, TaintToleration, []filterCase{
		{"no taints", pod("p"), nodeInfo(node("a")), ""},
		{"untolerated", pod("p"), gpu, "node(s) had untolerated taint {dedicated: gpu}"},
		{"equal", pod("p", toleration(corev1.Toleration{Key: "dedicated", Value: "gpu"})), gpu, ""},
		{"equal wrong value", pod("p", toleration(corev1.Toleration{Key: "dedicated", Value: "cpu"})), gpu, "untolerated"},
		{"exists", pod("p", toleration(corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpExists})), gpu, ""},
		{"exists all", pod("p", toleration(corev1.Toleration{Operator: corev1.TolerationOpExists})), gpu, ""},
		{"wrong effect", pod("p", toleration(corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute})), gpu, "untolerated"},
		{"noexecute", pod("p"), exec, "untolerated taint {k: v}"},
		{"prefer ignored", pod("p"), prefer, ""},
		{"not ready", pod("p"), notReady, "{node.kubernetes.io/not-ready: }"},
		{"unreachable", pod("p"), unreachable, "{node.kubernetes.io/unreachable: }"},
		{"not ready tolerated", pod("p", toleration(corev1.Toleration{Key: state.TaintNodeNotReady, Operator: corev1.TolerationOpExists})), notReady, ""},
		{"ready", pod("p"), ready, ""},
	})
}

func TestTolerationGtLt(t *testing.T) {
	taint := &corev1.Taint{Key: "n", Value: "5", Effect: corev1.TaintEffectNoSchedule}
	cases := []struct {
		op   corev1.TolerationOperator
		v    string
		want bool
	}{{corev1.TolerationOpGt, "4", true}, {corev1.TolerationOpGt, "5", false}, {corev1.TolerationOpLt, "6", true},
		{corev1.TolerationOpLt, "5", false}, {corev1.TolerationOpGt, "x", false}}
	for _, c := range cases {
		if got := Tolerated([]corev1.Toleration{{Key: "n", Operator: c.op, Value: c.v}}, taint); got != c.want {
			t.Errorf("%s %s: got %v want %v", c.op, c.v, got, c.want)
		}
	}
}
