package daemonset

import (
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func node(name string, labels map[string]string, taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Spec: corev1.NodeSpec{Taints: taints}}
}

func TestNodeShouldRun(t *testing.T) {
	noSched := corev1.Taint{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}
	noExec := corev1.Taint{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoExecute}
	unsched := corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}
	notReady := corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute}
	affinity := &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{
			{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}}}},
			{MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{"special"}}}},
		}}}}
	for _, tc := range []struct {
		name      string
		spec      corev1.PodSpec
		node      *corev1.Node
		run, keep bool
	}{
		{"plain", corev1.PodSpec{}, node("n", nil), true, true},
		{"selector miss", corev1.PodSpec{NodeSelector: map[string]string{"disk": "ssd"}}, node("n", nil), false, false},
		{"selector hit", corev1.PodSpec{NodeSelector: map[string]string{"disk": "ssd"}}, node("n", map[string]string{"disk": "ssd"}), true, true},
		{"affinity label", corev1.PodSpec{Affinity: affinity}, node("n", map[string]string{"zone": "a"}), true, true},
		{"affinity field", corev1.PodSpec{Affinity: affinity}, node("special", nil), true, true},
		{"affinity miss", corev1.PodSpec{Affinity: affinity}, node("n", map[string]string{"zone": "b"}), false, false},
		{"NoSchedule taint keeps running pods", corev1.PodSpec{}, node("n", nil, noSched), false, true},
		{"NoExecute taint evicts", corev1.PodSpec{}, node("n", nil, noExec), false, false},
		{"tolerated", corev1.PodSpec{Tolerations: []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "gpu"}}}, node("n", nil, noSched, noExec), true, true},
		{"wrong value", corev1.PodSpec{Tolerations: []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "cpu"}}}, node("n", nil, noSched), false, true},
		{"default tolerations: unschedulable and not-ready", corev1.PodSpec{}, node("n", nil, unsched, notReady), true, true},
	} {
		ds := &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{Spec: tc.spec}}}
		if run, keep := nodeShouldRun(ds, tc.node); run != tc.run || keep != tc.keep {
			t.Errorf("%s: run=%v keep=%v, want %v %v", tc.name, run, keep, tc.run, tc.keep)
		}
	}
}

func TestPinToNodeRoundTrips(t *testing.T) {
	p := &corev1.Pod{Spec: corev1.PodSpec{Affinity: pinToNode(nil, "n1")}}
	if targetNode(p) != "n1" || !requiredAffinityMatches(p.Spec.Affinity, node("n1", nil)) || requiredAffinityMatches(p.Spec.Affinity, node("n2", nil)) {
		t.Fatalf("pinned affinity %+v", p.Spec.Affinity)
	}
}

func dsPod(name, nodeName, hash string, ready bool) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{HashLabel: hash}}, Spec: corev1.PodSpec{NodeName: nodeName}}
	if ready {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	}
	return p
}

func TestComputePlanRollingUpdate(t *testing.T) {
	two := intstr.FromInt32(2)
	ds := &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{UpdateStrategy: appsv1.DaemonSetUpdateStrategy{
		Type: appsv1.RollingUpdateDaemonSetStrategyType, RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &two}}}}
	nodes := []*corev1.Node{node("a", nil), node("b", nil), node("c", nil), node("d", nil), node("e", nil, corev1.Taint{Key: "x", Effect: corev1.TaintEffectNoExecute})}
	pods := []*corev1.Pod{
		dsPod("pa", "a", "old", true), dsPod("pb", "b", "old", true), dsPod("pc", "c", "old", true),
		dsPod("pd1", "d", "new", false), dsPod("pd2", "d", "new", false), dsPod("pe", "e", "new", true), dsPod("gone", "zz", "new", true),
	}
	states, orphans := nodeStates(ds, nodes, pods)
	p := computePlan(ds, states, orphans, "new", time.Now())
	// d is unavailable (1 of 2), so one old pod may go; d's duplicate, e's
	// evicted pod and the pod of a vanished node go too.
	got := fmt.Sprint(names(p.remove))
	if got != "[gone pd2 pe pa]" || len(p.create) != 0 {
		t.Fatalf("remove %s create %v", got, p.create)
	}
	st := computeStatus(ds, states, "new", time.Now())
	if st.DesiredNumberScheduled != 4 || st.CurrentNumberScheduled != 4 || st.NumberMisscheduled != 1 || st.UpdatedNumberScheduled != 1 || st.NumberReady != 3 || st.NumberUnavailable != 1 {
		t.Fatalf("status %+v", st)
	}
}

func names(pods []*corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

func TestRevisionDataReplacesTemplate(t *testing.T) {
	ds := &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "agent:v1"}}}}}}
	data, err := revisionData(ds)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"spec":{"template":{"$patch":"replace","metadata":{},"spec":{"containers":[{"image":"agent:v1","name":"c","resources":{}}]}}}}`
	if string(data) != want {
		t.Fatalf("revision data\n%s\nwant\n%s", data, want)
	}
}
