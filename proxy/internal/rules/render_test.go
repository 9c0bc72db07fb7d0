package rules

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func ep(ip string, local bool) Endpoint {
	return Endpoint{IP: ip, Port: 8080, Ready: true, Serving: true, Local: local}
}

// testSnapshot covers every feature; node 192.168.0.1 runs pods 10.244.1.0/24.
func testSnapshot() *Snapshot {
	return &Snapshot{ClusterCIDR: "10.244.0.0/16", Services: []ServicePort{
		{Namespace: "default", Name: "web", PortName: "http", Protocol: TCP, ClusterIP: "10.96.0.10", Port: 80,
			NodePort: 30080, ExternalIPs: []string{"192.0.2.10"},
			Endpoints: []Endpoint{ep("10.244.1.2", true), ep("10.244.1.3", true), ep("10.244.2.4", false)}},
		{Namespace: "default", Name: "empty", Protocol: TCP, ClusterIP: "10.96.0.11", Port: 80, NodePort: 30081,
			ExternalIPs: []string{"192.0.2.11"}},
		{Namespace: "default", Name: "sticky", Protocol: TCP, ClusterIP: "10.96.0.12", Port: 443, AffinitySeconds: 600,
			Endpoints: []Endpoint{ep("10.244.1.2", true), ep("10.244.2.4", false)}},
		{Namespace: "kube-system", Name: "dns", PortName: "dns", Protocol: UDP, ClusterIP: "10.96.0.13", Port: 53,
			Endpoints: []Endpoint{ep("10.244.1.3", true)}},
		{Namespace: "default", Name: "sctp", Protocol: SCTP, ClusterIP: "10.96.0.14", Port: 9000,
			Endpoints: []Endpoint{ep("10.244.2.4", false)}},
		{Namespace: "default", Name: "local", Protocol: TCP, ClusterIP: "10.96.0.15", Port: 80, NodePort: 30082, ExternalLocal: true,
			Endpoints: []Endpoint{ep("10.244.1.5", true), ep("10.244.2.5", false)}},
		{Namespace: "default", Name: "nolocal", Protocol: TCP, ClusterIP: "10.96.0.16", Port: 80, NodePort: 30083, ExternalLocal: true,
			Endpoints: []Endpoint{ep("10.244.2.6", false)}},
		{Namespace: "default", Name: "itp", Protocol: TCP, ClusterIP: "10.96.0.17", Port: 80, InternalLocal: true,
			Endpoints: []Endpoint{ep("10.244.1.7", true), ep("10.244.2.7", false)}},
		{Namespace: "default", Name: "itpnolocal", Protocol: TCP, ClusterIP: "10.96.0.18", Port: 80, InternalLocal: true,
			Endpoints: []Endpoint{ep("10.244.2.8", false)}},
		{Namespace: "default", Name: "term", Protocol: TCP, ClusterIP: "10.96.0.19", Port: 80, Endpoints: []Endpoint{
			{IP: "10.244.1.8", Port: 8080, Serving: true, Terminating: true},
			{IP: "10.244.1.9", Port: 8080, Terminating: true},
		}},
	}}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden (go test -update to accept):\n%s", name, got)
	}
}

func TestRenderGolden(t *testing.T) {
	golden(t, "full.golden", Render(testSnapshot()))
	golden(t, "empty.golden", Render(&Snapshot{}))
}

func TestTrace(t *testing.T) {
	tr, err := newTracer(Render(testSnapshot()), "192.168.0.1")
	if err != nil {
		t.Fatal(err)
	}
	web := []string{"10.244.1.2:8080", "10.244.1.3:8080", "10.244.2.4:8080"}
	webMasq := []string{"10.244.1.2:8080 masq", "10.244.1.3:8080 masq", "10.244.2.4:8080 masq"}
	tests := []struct {
		name string
		p    packet
		want []string
	}{
		{"cluster IP from pod", packet{"10.244.1.100", "10.96.0.10", 80, "tcp"}, web},
		{"cluster IP off-cluster source", packet{"192.168.0.50", "10.96.0.10", 80, "tcp"}, webMasq},
		{"hairpin", packet{"10.244.1.2", "10.96.0.10", 80, "tcp"}, []string{"10.244.1.2:8080 masq", "10.244.1.3:8080", "10.244.2.4:8080"}},
		{"wrong port", packet{"10.244.1.100", "10.96.0.10", 81, "tcp"}, []string{"none"}},
		{"wrong protocol", packet{"10.244.1.100", "10.96.0.10", 80, "udp"}, []string{"none"}},
		{"node port", packet{"192.168.0.50", "192.168.0.1", 30080, "tcp"}, webMasq},
		{"node port on localhost", packet{"127.0.0.1", "127.0.0.1", 30080, "tcp"}, webMasq},
		{"node port of other host", packet{"192.168.0.50", "192.168.0.2", 30080, "tcp"}, []string{"none"}},
		{"external IP", packet{"192.168.0.50", "192.0.2.10", 80, "tcp"}, webMasq},
		{"no endpoints", packet{"10.244.1.100", "10.96.0.11", 80, "tcp"}, []string{"REJECT"}},
		{"no endpoints node port", packet{"192.168.0.50", "192.168.0.1", 30081, "tcp"}, []string{"REJECT"}},
		{"no endpoints external IP", packet{"192.168.0.50", "192.0.2.11", 80, "tcp"}, []string{"REJECT"}},
		{"affinity", packet{"10.244.1.100", "10.96.0.12", 443, "tcp"}, []string{"10.244.1.2:8080", "10.244.2.4:8080"}},
		{"udp", packet{"10.244.1.100", "10.96.0.13", 53, "udp"}, []string{"10.244.1.3:8080"}},
		{"sctp", packet{"10.244.1.100", "10.96.0.14", 9000, "sctp"}, []string{"10.244.2.4:8080"}},
		{"eTP local external", packet{"192.168.0.50", "192.168.0.1", 30082, "tcp"}, []string{"10.244.1.5:8080"}},
		{"eTP local from node", packet{"192.168.0.1", "192.168.0.1", 30082, "tcp"}, []string{"10.244.1.5:8080 masq", "10.244.2.5:8080 masq"}},
		{"eTP local from pod", packet{"10.244.1.100", "192.168.0.1", 30082, "tcp"}, []string{"10.244.1.5:8080", "10.244.2.5:8080"}},
		{"eTP local cluster IP", packet{"10.244.1.100", "10.96.0.15", 80, "tcp"}, []string{"10.244.1.5:8080", "10.244.2.5:8080"}},
		{"eTP local no local endpoints", packet{"192.168.0.50", "192.168.0.1", 30083, "tcp"}, []string{"DROP"}},
		{"eTP local no local endpoints from node", packet{"192.168.0.1", "192.168.0.1", 30083, "tcp"}, []string{"10.244.2.6:8080 masq"}},
		{"iTP local", packet{"10.244.1.100", "10.96.0.17", 80, "tcp"}, []string{"10.244.1.7:8080"}},
		{"iTP local no local endpoints", packet{"10.244.1.100", "10.96.0.18", 80, "tcp"}, []string{"DROP"}},
		{"terminating fallback", packet{"10.244.1.100", "10.96.0.19", 80, "tcp"}, []string{"10.244.1.8:8080"}},
		{"not a service", packet{"10.244.1.100", "10.96.0.99", 80, "tcp"}, []string{"none"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tr.trace(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("trace %+v = %q, want %q", tc.p, got, tc.want)
			}
		})
	}
}

func TestProbabilities(t *testing.T) {
	text := string(Render(testSnapshot()))
	for _, want := range []string{"--probability 0.3333333333", "--probability 0.5000000000", "-m recent --name KUBE-SEP-", "--rcheck --seconds 600 --reap"} {
		if !strings.Contains(text, want) {
			t.Errorf("rules lack %q", want)
		}
	}
}

func TestChainNames(t *testing.T) {
	sp := &ServicePort{Namespace: "ns", Name: "svc", PortName: "p", Protocol: TCP}
	if got := SVCChain(sp); len(got) != len("KUBE-SVC-")+16 || !IsHashed(got) {
		t.Errorf("SVCChain = %q", got)
	}
	if SVCChain(sp)[9:] != EXTChain(sp)[9:] || SVCChain(sp) == SVLChain(sp) {
		t.Error("SVC/EXT/SVL chains must share the hash and differ in prefix")
	}
	udp := *sp
	udp.Protocol = UDP
	if SVCChain(sp) == SVCChain(&udp) {
		t.Error("protocol must change the hash")
	}
	a, b := ep("10.0.0.1", false), ep("10.0.0.2", false)
	if SEPChain(sp, &a) == SEPChain(sp, &b) {
		t.Error("endpoint must change the SEP hash")
	}
	for _, name := range []string{"KUBE-SERVICES", "KUBE-NODEPORTS", "OTHER", ""} {
		if IsHashed(name) {
			t.Errorf("IsHashed(%q) = true", name)
		}
	}
}
