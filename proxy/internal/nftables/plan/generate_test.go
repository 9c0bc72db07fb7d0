package plan

import (
	"strings"
	"testing"

	"github.com/wharfhq/wharf/proxy/internal/rules"
)

func ep(ip string, ready, serving, terminating, local bool) rules.Endpoint {
	return rules.Endpoint{IP: ip, Port: 8080, Ready: ready, Serving: serving, Terminating: terminating, Local: local}
}

func ready(ips ...string) []rules.Endpoint {
	var out []rules.Endpoint
	for _, ip := range ips {
		out = append(out, ep(ip, true, true, false, false))
	}
	return out
}

func TestGeneratePort(t *testing.T) {
	base := rules.ServicePort{Namespace: "ns", Name: "web", PortName: "http", Protocol: rules.TCP, ClusterIP: "10.96.0.10", Port: 80}
	tests := []struct {
		name string
		edit func(sp *rules.ServicePort)
		cidr string
		want string
	}{{
		name: "cluster IP, three endpoints, cluster CIDR",
		edit: func(sp *rules.ServicePort) { sp.Endpoints = ready("10.244.1.2", "10.244.1.3", "10.244.2.2") },
		cidr: "10.244.0.0/16",
		want: `chain svc-H
	ip daddr 10.96.0.10 meta l4proto tcp th dport 80 ip saddr != 10.244.0.0/16 meta mark set meta mark | 0x4000
	meta l4proto tcp dnat to lb-H . numgen random mod 3 map @lb-endpoints
element lb-endpoints lb-H . 0 : 10.244.1.2 . 8080
element lb-endpoints lb-H . 1 : 10.244.1.3 . 8080
element lb-endpoints lb-H . 2 : 10.244.2.2 . 8080
element service-ips 10.96.0.10 . tcp . 80 : goto svc-H
element hairpin 10.244.1.2 . 10.244.1.2
element hairpin 10.244.1.3 . 10.244.1.3
element hairpin 10.244.2.2 . 10.244.2.2
`,
	}, {
		name: "no endpoints: cluster IP, external IP and NodePort rejected",
		edit: func(sp *rules.ServicePort) { sp.NodePort, sp.ExternalIPs = 30080, []string{"192.0.2.1"} },
		want: `element no-endpoint-services 10.96.0.10 . tcp . 80 : goto reject-chain
element no-endpoint-services 192.0.2.1 . tcp . 80 : goto reject-chain
element no-endpoint-nodeports tcp . 30080 : goto reject-chain
`,
	}, {
		name: "NodePort, policy Cluster, UDP; only not-ready endpoints: terminating serving ones are used",
		edit: func(sp *rules.ServicePort) {
			sp.Protocol, sp.NodePort = rules.UDP, 30053
			sp.Endpoints = []rules.Endpoint{ep("10.244.1.2", false, true, true, false), ep("10.244.1.3", false, false, true, false)}
		},
		want: `chain svc-H
	meta l4proto udp dnat to lb-H . numgen random mod 1 map @lb-endpoints
chain ext-H
	meta mark set meta mark | 0x4000 goto svc-H
element lb-endpoints lb-H . 0 : 10.244.1.2 . 8080
element service-ips 10.96.0.10 . udp . 80 : goto svc-H
element service-nodeports udp . 30053 : goto ext-H
element hairpin 10.244.1.2 . 10.244.1.2
`,
	}, {
		name: "external policy Local without local endpoints",
		edit: func(sp *rules.ServicePort) {
			sp.NodePort, sp.ExternalLocal, sp.Endpoints = 30080, true, ready("10.244.2.2")
		},
		cidr: "10.244.0.0/16",
		want: `chain svc-H
	ip daddr 10.96.0.10 meta l4proto tcp th dport 80 ip saddr != 10.244.0.0/16 meta mark set meta mark | 0x4000
	meta l4proto tcp dnat to lb-H . numgen random mod 1 map @lb-endpoints
chain ext-H
	ip saddr 10.244.0.0/16 goto svc-H
	fib saddr type local meta mark set meta mark | 0x4000 goto svc-H
element lb-endpoints lb-H . 0 : 10.244.2.2 . 8080
element service-ips 10.96.0.10 . tcp . 80 : goto svc-H
element service-nodeports tcp . 30080 : goto ext-H
element no-endpoint-nodeports tcp . 30080 : drop
element hairpin 10.244.2.2 . 10.244.2.2
`,
	}, {
		name: "internal policy Local: local endpoints only, none is dropped",
		edit: func(sp *rules.ServicePort) { sp.InternalLocal, sp.Endpoints = true, ready("10.244.2.2") },
		want: "element no-endpoint-services 10.96.0.10 . tcp . 80 : drop\n",
	}, {
		name: "internal policy Local with a local endpoint",
		edit: func(sp *rules.ServicePort) {
			sp.InternalLocal, sp.Endpoints = true, []rules.Endpoint{ep("10.244.1.2", true, true, false, true), ep("10.244.2.2", true, true, false, false)}
		},
		want: `chain svl-H
	meta l4proto tcp dnat to lbl-H . numgen random mod 1 map @lb-endpoints
element lb-endpoints lbl-H . 0 : 10.244.1.2 . 8080
element service-ips 10.96.0.10 . tcp . 80 : goto svl-H
element hairpin 10.244.1.2 . 10.244.1.2
`,
	}}
	for _, tc := range tests {
		sp := base
		tc.edit(&sp)
		h := strings.TrimPrefix(rules.SVCChain(&sp), "KUBE-SVC-")
		got := strings.ReplaceAll(GeneratePort(&sp, tc.cidr).Dump(), h, "H")
		if got != tc.want {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", tc.name, got, tc.want)
		}
	}
}

func TestGenerateAffinity(t *testing.T) {
	sp := rules.ServicePort{Namespace: "ns", Name: "sticky", Protocol: rules.TCP, ClusterIP: "10.96.0.12", Port: 80,
		AffinitySeconds: 600, Endpoints: ready("10.244.1.2", "10.244.1.3")}
	p := GeneratePort(&sp, "")
	sep := strings.TrimPrefix(rules.SEPChain(&sp, &sp.Endpoints[0]), "KUBE-SEP-")
	if len(p.Sets) != 2 || p.Sets[0] != "aff-"+sep || len(p.Backends) != 2 || p.Backends[0].Map != BackendChains {
		t.Fatalf("want 2 affinity sets and 2 verdict backends:\n%s", p.Dump())
	}
	// Endpoint chains first: the service chain jumps to them.
	if len(p.Chains) != 3 || p.Chains[0].Name != "sep-"+sep || !strings.HasPrefix(p.Chains[2].Name, "svc-") {
		t.Fatalf("chains out of order:\n%s", p.Dump())
	}
	want := []string{"update @aff-" + sep + " { ip saddr timeout 600s }", "meta l4proto tcp dnat to 10.244.1.2:8080"}
	for i, r := range p.Chains[0].Rules {
		if r.String() != want[i] {
			t.Errorf("sep rule %d = %q, want %q", i, r, want[i])
		}
	}
	if got := p.Chains[2].Rules[0].String(); got != "ip saddr @aff-"+sep+" goto sep-"+sep {
		t.Errorf("first svc rule = %q", got)
	}
}

func TestGeneratorReuses(t *testing.T) {
	snap := &rules.Snapshot{Services: []rules.ServicePort{
		{Namespace: "a", Name: "x", Protocol: rules.TCP, ClusterIP: "10.96.0.1", Port: 80, Endpoints: ready("10.244.1.2")},
		{Namespace: "a", Name: "y", Protocol: rules.TCP, ClusterIP: "10.96.0.2", Port: 80, Endpoints: ready("10.244.1.3")},
	}}
	g := NewGenerator()
	s1 := g.Generate(snap)
	snap2 := &rules.Snapshot{Services: []rules.ServicePort{snap.Services[0], snap.Services[1]}}
	snap2.Services[1].Endpoints = ready("10.244.1.4")
	s2 := g.Generate(snap2)
	if s1.Ports[0] != s2.Ports[0] {
		t.Error("unchanged port generated again")
	}
	if s1.Ports[1] == s2.Ports[1] || s2.Lookup(s2.Ports[1].Key()) != s2.Ports[1] {
		t.Error("changed port not generated again")
	}
	if s3 := g.Generate(&rules.Snapshot{ClusterCIDR: "10.0.0.0/8", Services: snap2.Services}); s3.Ports[0] == s2.Ports[0] {
		t.Error("a new cluster CIDR must regenerate every port")
	}
}
