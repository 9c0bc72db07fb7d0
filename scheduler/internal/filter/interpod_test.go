package filter

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/wharfhq/wharf/scheduler/internal/state"
)

// term is a PodAffinityTerm selecting app=<app>.
func term(key, app string, mutate ...func(*corev1.PodAffinityTerm)) corev1.PodAffinityTerm {
	t := corev1.PodAffinityTerm{TopologyKey: key,
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}}
	for _, m := range mutate {
		m(&t)
	}
	return t
}

func affinity(terms ...corev1.PodAffinityTerm) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		if p.Spec.Affinity == nil {
			p.Spec.Affinity = &corev1.Affinity{}
		}
		p.Spec.Affinity.PodAffinity = &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: terms}
	}
}

func antiTerms(terms ...corev1.PodAffinityTerm) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		if p.Spec.Affinity == nil {
			p.Spec.Affinity = &corev1.Affinity{}
		}
		p.Spec.Affinity.PodAntiAffinity = &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: terms}
	}
}

func app(name string) func(*corev1.Pod) { return withLabels(map[string]string{"app": name}) }

func inNS(ns string) func(*corev1.Pod) { return func(p *corev1.Pod) { p.Namespace = ns } }

func nsSelector(kv ...string) func(*corev1.PodAffinityTerm) {
	return func(t *corev1.PodAffinityTerm) {
		t.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{}}
		for i := 0; i+1 < len(kv); i += 2 {
			t.NamespaceSelector.MatchLabels[kv[i]] = kv[i+1]
		}
	}
}

func namespaces(ns ...string) func(*corev1.PodAffinityTerm) {
	return func(t *corev1.PodAffinityTerm) { t.Namespaces = ns }
}

// cluster is three nodes: a and b in zone z1, c in zone z2, d without zone.
// db runs on a (namespace default), cache on c (namespace team-x).
func cluster() []*state.NodeInfo {
	return []*state.NodeInfo{
		nodeInfo(node("a", labelled("zone", "z1")), pod("db", app("db"))),
		nodeInfo(node("b", labelled("zone", "z1"))),
		nodeInfo(node("c", labelled("zone", "z2")), pod("cache", app("cache"), inNS("team-x"))),
		nodeInfo(node("d")),
	}
}

var clusterNamespaces = map[string]labels.Set{
	"default": {"env": "prod"}, "team-x": {"env": "prod", "team": "x"}, "team-y": {"env": "dev"},
}

// feasible returns the nodes of cluster() where both inter-pod filters pass.
func feasible(p *corev1.Pod) []string {
	nodes := cluster()
	snap := state.NewSnapshot(nodes)
	snap.Namespaces = clusterNamespaces
	pi := state.NewPodInfo(p)
	pi.PrepareTopology(snap)
	var out []string
	for _, n := range nodes {
		if InterPodAffinity(pi, n) == nil && InterPodAntiAffinity(pi, n) == nil {
			out = append(out, n.Name)
		}
	}
	return out
}

func TestInterPodAffinity(t *testing.T) {
	host, zone := "kubernetes.io/hostname", "zone"
	cases := []struct {
		name string
		pod  *corev1.Pod
		want []string
	}{
		{"no affinity", pod("p"), []string{"a", "b", "c", "d"}},
		{"hostname", pod("p", affinity(term(host, "db"))), []string{"a"}},
		{"zone", pod("p", affinity(term(zone, "db"))), []string{"a", "b"}},
		{"zone and hostname", pod("p", affinity(term(zone, "db"), term(host, "db"))), []string{"a"}},
		{"two apps, no common domain", pod("p", affinity(term(zone, "db"), term(zone, "cache", namespaces("team-x")))), nil},
		{"other namespace not seen", pod("p", affinity(term(zone, "cache"))), nil},
		{"namespaces list", pod("p", affinity(term(zone, "cache", namespaces("team-x")))), []string{"c"}},
		{"namespaceSelector match", pod("p", affinity(term(host, "cache", nsSelector("team", "x")))), []string{"c"}},
		{"namespaceSelector miss", pod("p", affinity(term(host, "cache", nsSelector("env", "dev")))), nil},
		{"empty namespaceSelector is all", pod("p", affinity(term(host, "cache", nsSelector()))), []string{"c"}},
		{"first of its group", pod("p", app("web"), affinity(term(zone, "web"))), []string{"a", "b", "c"}},
		{"first but does not match itself", pod("p", affinity(term(zone, "web"))), nil},
		{"group exists elsewhere", pod("p", app("db"), affinity(term(host, "db"))), []string{"a"}},
		{"affinity and anti-affinity", pod("p", affinity(term(zone, "db")), antiTerms(term(host, "db"))), []string{"b"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := feasible(tc.pod); !slices.Equal(got, tc.want) {
				t.Fatalf("feasible nodes = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAntiAffinityNamespaces(t *testing.T) {
	host := "kubernetes.io/hostname"
	guard := func(mutate ...func(*corev1.PodAffinityTerm)) func(*corev1.Pod) {
		return antiTerms(term(host, "web", mutate...))
	}
	cases := []struct {
		name string
		pod  *corev1.Pod
		want []string
	}{
		{"own ns only", pod("p", guard()), []string{"a", "b", "c", "d"}},
		{"namespaces list", pod("p", guard(namespaces("team-x")), func(p *corev1.Pod) {}), []string{"a", "b", "c", "d"}},
		{"selector hits cache ns", pod("p", antiTerms(term(host, "cache", nsSelector("team", "x")))), []string{"a", "b", "d"}},
		{"selector misses", pod("p", antiTerms(term(host, "cache", nsSelector("env", "dev")))), []string{"a", "b", "c", "d"}},
		{"empty selector is all", pod("p", antiTerms(term(host, "cache", nsSelector()))), []string{"a", "b", "d"}},
		{"list", pod("p", antiTerms(term("zone", "cache", namespaces("team-x", "team-y")))), []string{"a", "b", "d"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := feasible(tc.pod); !slices.Equal(got, tc.want) {
				t.Fatalf("feasible nodes = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestExistingAntiAffinityNamespaceSelector: a pod already running forbids
// its node to pods from namespaces its namespaceSelector picks.
func TestExistingAntiAffinityNamespaceSelector(t *testing.T) {
	guard := pod("guard", antiTerms(term("kubernetes.io/hostname", "web", nsSelector("env", "prod"))))
	n := nodeInfo(node("a"), guard)
	for _, tc := range []struct {
		ns      string
		forbids bool
	}{{"default", true}, {"team-x", true}, {"team-y", false}} {
		snap := state.NewSnapshot([]*state.NodeInfo{n})
		snap.Namespaces = clusterNamespaces
		pi := state.NewPodInfo(pod("p", app("web"), inNS(tc.ns)))
		pi.PrepareTopology(snap)
		if got := InterPodAntiAffinity(pi, n) != nil; got != tc.forbids {
			t.Errorf("namespace %s: forbidden = %v, want %v", tc.ns, got, tc.forbids)
		}
	}
}

func TestInvalidPodAffinity(t *testing.T) {
	bad := term("zone", "db", func(t *corev1.PodAffinityTerm) {
		t.LabelSelector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "x", Operator: "Bogus"}}
	})
	runCases(t, PodSpec, []filterCase{
		{"bad selector", pod("p", affinity(bad)), nodeInfo(node("a")), "invalid pod affinity"},
		{"empty key", pod("p", affinity(term("", "db"))), nodeInfo(node("a")), "empty topologyKey"},
	})
}
