package filter

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/scheduler/internal/state"
)

func labelled(kv ...string) func(*corev1.Node) {
	return func(n *corev1.Node) {
		for i := 0; i+1 < len(kv); i += 2 {
			n.Labels[kv[i]] = kv[i+1]
		}
	}
}

func required(exprs ...corev1.NodeSelectorRequirement) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
				NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: exprs}}}}}
	}
}

func expr(key string, op corev1.NodeSelectorOperator, vals ...string) corev1.NodeSelectorRequirement {
	return corev1.NodeSelectorRequirement{Key: key, Operator: op, Values: vals}
}

func TestNodeAffinity(t *testing.T) {
	ssd := nodeInfo(node("a", labelled("disk", "ssd", "cores", "8")))
	sel := func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"disk": "ssd"} }
	byName := func(name string) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
					MatchFields: []corev1.NodeSelectorRequirement{expr("metadata.name", corev1.NodeSelectorOpIn, name)}}}}}}
		}
	}
	runCases(t, NodeAffinity, []filterCase{
		{"none", pod("p"), ssd, ""},
		{"selector match", pod("p", sel), ssd, ""},
		{"selector mismatch", pod("p", sel), nodeInfo(node("b")), MsgNodeAffinity},
		{"In", pod("p", required(expr("disk", corev1.NodeSelectorOpIn, "hdd", "ssd"))), ssd, ""},
		{"In miss", pod("p", required(expr("disk", corev1.NodeSelectorOpIn, "hdd"))), ssd, MsgNodeAffinity},
		{"NotIn", pod("p", required(expr("disk", corev1.NodeSelectorOpNotIn, "ssd"))), ssd, MsgNodeAffinity},
		{"Exists", pod("p", required(expr("disk", corev1.NodeSelectorOpExists))), ssd, ""},
		{"DoesNotExist", pod("p", required(expr("disk", corev1.NodeSelectorOpDoesNotExist))), ssd, MsgNodeAffinity},
		{"Gt", pod("p", required(expr("cores", corev1.NodeSelectorOpGt, "4"))), ssd, ""},
		{"Gt miss", pod("p", required(expr("cores", corev1.NodeSelectorOpGt, "8"))), ssd, MsgNodeAffinity},
		{"Lt", pod("p", required(expr("cores", corev1.NodeSelectorOpLt, "16"))), ssd, ""},
		{"Lt miss", pod("p", required(expr("cores", corev1.NodeSelectorOpLt, "2"))), ssd, MsgNodeAffinity},
		{"matchFields", pod("p", byName("a")), ssd, ""},
		{"matchFields miss", pod("p", byName("b")), ssd, MsgNodeAffinity},
	})
}

func TestInvalidAffinity(t *testing.T) {
	p := pod("p", required(expr("cores", corev1.NodeSelectorOpGt, "x")))
	runCases(t, PodSpec, []filterCase{{"bad Gt", p, nodeInfo(node("a")), "invalid required node affinity"}})
}

func TestNodeResourcesFit(t *testing.T) {
	full := nodeInfo(node("a"), pod("x", requests("1500m", "1Gi")))
	crowded := nodeInfo(node("a"), pod("x"), pod("y"), pod("z"))
	gpu := func(p *corev1.Pod) {
		p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{"example.com/gpu": resource.MustParse("1")}
	}
	initBig := func(p *corev1.Pod) {
		p.Spec.InitContainers = []corev1.Container{{Name: "i", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("3")}}}}
	}
	storage := func(p *corev1.Pod) {
		p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceEphemeralStorage: resource.MustParse("20Gi")}
	}
	runCases(t, NodeResourcesFit, []filterCase{
		{"fits", pod("p", requests("500m", "1Gi")), full, ""},
		{"cpu", pod("p", requests("600m", "")), full, "Insufficient cpu"},
		{"memory", pod("p", requests("", "4Gi")), full, "Insufficient memory"},
		{"pods", pod("p"), crowded, MsgTooManyPods},
		{"extended", pod("p", gpu), full, "Insufficient example.com/gpu"},
		{"init container max", pod("p", initBig), nodeInfo(node("a")), "Insufficient cpu"},
		{"ephemeral", pod("p", storage), nodeInfo(node("a")), "Insufficient ephemeral-storage"},
	})
	pi := state.NewPodInfo(pod("p", requests("600m", "")))
	r := NodeResourcesFit(pi, full)
	if r.Resource != "cpu" || r.Requested != 600 || r.Used != 1500 || r.Capacity != 2000 {
		t.Fatalf("reason numbers: %+v", r)
	}
}

func hostPort(port int32, ip string, proto corev1.Protocol) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports,
			corev1.ContainerPort{ContainerPort: 80, HostPort: port, HostIP: ip, Protocol: proto})
	}
}

func TestNodePorts(t *testing.T) {
	used := nodeInfo(node("a"), pod("x", hostPort(8080, "", "")), pod("y", hostPort(9090, "10.0.0.1", corev1.ProtocolUDP)))
	runCases(t, NodePorts, []filterCase{
		{"no ports", pod("p"), used, ""},
		{"free", pod("p", hostPort(8081, "", "")), used, ""},
		{"taken", pod("p", hostPort(8080, "", "")), used, MsgPorts},
		{"taken wildcard vs ip", pod("p", hostPort(8080, "10.0.0.2", "")), used, MsgPorts},
		{"other protocol", pod("p", hostPort(8080, "", corev1.ProtocolUDP)), used, ""},
		{"other ip", pod("p", hostPort(9090, "10.0.0.2", corev1.ProtocolUDP)), used, ""},
		{"same ip", pod("p", hostPort(9090, "10.0.0.1", corev1.ProtocolUDP)), used, MsgPorts},
	})
}

func TestVolumeBinding(t *testing.T) {
	ni := nodeInfo(node("a", labelled("zone", "z1")))
	mk := func(vc state.VolumeConstraint) *state.PodInfo {
		pi := state.NewPodInfo(pod("p"))
		pi.Volumes = vc
		return pi
	}
	sel, err := state.CompileNodeSelector(&corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
		MatchExpressions: []corev1.NodeSelectorRequirement{expr("kubernetes.io/hostname", corev1.NodeSelectorOpIn, "b")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if r := VolumeBinding(mk(state.VolumeConstraint{}), ni); r != nil {
		t.Fatalf("no volumes: %v", r)
	}
	if r := VolumeBinding(mk(state.VolumeConstraint{NodeAffinity: []*state.NodeSelector{sel}}), ni); r == nil || r.Message != MsgVolumeAffinity {
		t.Fatalf("local PV on other node: %v", r)
	}
	if r := VolumeBinding(mk(state.VolumeConstraint{Problem: "pod has unbound immediate PersistentVolumeClaims"}), ni); r == nil {
		t.Fatal("unbound claim must not fit")
	}
}

func antiAffinity(key string, lbls map[string]string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
				LabelSelector: &metav1.LabelSelector{MatchLabels: lbls}, TopologyKey: key}}}}
	}
}

func withLabels(lbls map[string]string) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Labels = lbls }
}

func TestInterPodAntiAffinity(t *testing.T) {
	web := map[string]string{"app": "web"}
	withWeb := nodeInfo(node("a"), pod("x", withLabels(web)))
	withGuard := nodeInfo(node("a"), pod("x", antiAffinity("kubernetes.io/hostname", web)))
	otherNS := nodeInfo(node("a"), pod("x", withLabels(web), func(p *corev1.Pod) { p.Namespace = "other" }))
	runCases(t, InterPodAntiAffinity, []filterCase{
		{"no rules", pod("p", withLabels(web)), withWeb, ""},
		{"own rule", pod("p", withLabels(web), antiAffinity("kubernetes.io/hostname", web)), withWeb, msgAnti()},
		{"own rule other ns", pod("p", antiAffinity("kubernetes.io/hostname", web)), otherNS, ""},
		{"own rule empty node", pod("p", antiAffinity("kubernetes.io/hostname", web)), nodeInfo(node("a")), ""},
		{"existing rule", pod("p", withLabels(web)), withGuard, msgExisting()},
		{"existing rule no match", pod("p"), withGuard, ""},
		{"zone", pod("p", antiAffinity("zone", web)), nodeInfo(node("a", labelled("zone", "z")), pod("x", withLabels(web))), msgAnti()},
	})
}

func TestZoneAntiAffinityAcrossNodes(t *testing.T) {
	web := map[string]string{"app": "web"}
	a := nodeInfo(node("a", labelled("zone", "z1")), pod("x", withLabels(web)))
	b := nodeInfo(node("b", labelled("zone", "z1")))
	c := nodeInfo(node("c", labelled("zone", "z2")))
	pi := state.NewPodInfo(pod("p", antiAffinity("zone", web)))
	pi.PrepareTopology(state.NewSnapshot([]*state.NodeInfo{a, b, c}))
	if InterPodAntiAffinity(pi, b) == nil {
		t.Fatal("b shares zone z1 with a web pod: must not fit")
	}
	if r := InterPodAntiAffinity(pi, c); r != nil {
		t.Fatalf("c in z2 must fit: %v", r)
	}
}

func msgAnti() string     { return state.MsgAntiAffinity }
func msgExisting() string { return state.MsgExistingAntiAff }
