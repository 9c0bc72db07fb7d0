package rules

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDiff(t *testing.T) {
	s := testSnapshot()
	full := Compute(s)
	if !bytes.Equal(full.Diff(nil, nil), full.Text()) {
		t.Fatal("Diff(nil) must be the full text")
	}
	if d := Compute(testSnapshot()).Diff(full, nil); d != nil {
		t.Fatalf("no change must give no diff, got:\n%s", d)
	}
	removed := s.Services[0].Endpoints[2]
	s.Services[0].Endpoints = s.Services[0].Endpoints[:2]
	next := Compute(s)
	d := string(next.Diff(full, map[string][]string{TableNAT: {"KUBE-SVC-OLDOLDOLDOLDOLDO", "KUBE-SERVICES", "DOCKER"}}))
	sp := &s.Services[0]
	for _, want := range []string{":" + SVCChain(sp) + " ", "-X " + SEPChain(sp, &removed), "-X KUBE-SVC-OLDOLDOLDOLDOLDO"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	for _, bad := range []string{":KUBE-SERVICES", "-X KUBE-SERVICES", "DOCKER", "*filter", ":" + SEPChain(sp, &sp.Endpoints[0])} {
		if strings.Contains(d, bad) {
			t.Errorf("diff has %q:\n%s", bad, d)
		}
	}
	// The diff applied to the old state must give the new state.
	tr, err := newTracer(next.Text(), "192.168.0.1")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := tr.trace(packet{"10.244.1.100", "10.96.0.10", 80, "tcp"})
	if len(got) != 2 {
		t.Errorf("after removal: %q", got)
	}
}

func TestSnapshotFrom(t *testing.T) {
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	name, port, node := "http", int32(8080), "n1"
	f := false
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web"}, Spec: corev1.ServiceSpec{
		Type: corev1.ServiceTypeNodePort, ClusterIP: "10.96.0.10",
		Ports:           []corev1.ServicePort{{Name: "http", Port: 80, NodePort: 30080, Protocol: tcp}, {Name: "dns", Port: 53, Protocol: udp}},
		SessionAffinity: corev1.ServiceAffinityClientIP,
	}}
	headless := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "h"}, Spec: corev1.ServiceSpec{ClusterIP: "None", Ports: svc.Spec.Ports}}
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: "ns", Name: "web-1", Labels: map[string]string{discoveryv1.LabelServiceName: "web"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: &name, Port: &port, Protocol: &tcp}},
		Endpoints: []discoveryv1.Endpoint{
			{Addresses: []string{"10.244.1.3"}, NodeName: &node},
			{Addresses: []string{"10.244.1.2"}, Conditions: discoveryv1.EndpointConditions{Ready: &f}},
			{Addresses: []string{"10.244.1.3"}}, // duplicate
			{Addresses: []string{"not-an-ip"}},
		},
	}
	other := slice.DeepCopy()
	other.Labels[discoveryv1.LabelServiceName] = "other"
	snap := SnapshotFrom([]*corev1.Service{svc, headless}, []*discoveryv1.EndpointSlice{slice, other}, "n1", "10.244.0.0/16")
	if len(snap.Services) != 2 {
		t.Fatalf("services: %+v", snap.Services)
	}
	dns, http := snap.Services[0], snap.Services[1]
	if dns.String() != "ns/web:dns" || dns.Protocol != UDP || len(dns.Endpoints) != 0 || dns.NodePort != 0 {
		t.Errorf("dns port: %+v", dns)
	}
	if http.NodePort != 30080 || http.AffinitySeconds != 10800 || len(http.Endpoints) != 2 {
		t.Fatalf("http port: %+v", http)
	}
	if e := http.Endpoints[0]; e.IP != "10.244.1.2" || e.Ready || e.Serving {
		t.Errorf("not-ready endpoint: %+v", e)
	}
	if e := http.Endpoints[1]; e.IP != "10.244.1.3" || !e.Ready || !e.Local || e.Port != 8080 {
		t.Errorf("ready endpoint: %+v", e)
	}
}

func TestBatches(t *testing.T) {
	rs := Compute(testSnapshot())
	batches := rs.Batches(nil, map[string][]string{TableNAT: {"KUBE-SEP-OLDOLDOLDOLDOLDO"}}, 6)
	if len(batches) < 4 {
		t.Fatalf("want several batches, got %d", len(batches))
	}
	// Every chain jumped to must be written in the same or an earlier batch.
	written := map[string]bool{"KUBE-MARK-MASQ": false}
	for i, b := range batches {
		tr, err := newTracer(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, chains := range tr.chains {
			for name := range chains {
				written[name] = true
			}
		}
		for _, chains := range tr.chains {
			for _, rules := range chains {
				for _, r := range rules {
					target := r[len(r)-1]
					if j := slices.Index(r, "-j"); j >= 0 {
						target = r[j+1]
					}
					if strings.HasPrefix(target, "KUBE-") && !written[target] {
						t.Errorf("batch %d jumps to %s before it is written", i, target)
					}
				}
			}
		}
		if bytes.Contains(b, []byte("-X KUBE-SEP-OLD")) != (i == len(batches)-1) {
			t.Errorf("stale chain must be deleted in the last batch only (batch %d)", i)
		}
	}
}

func TestDiffBatched(t *testing.T) {
	rs := Compute(testSnapshot())
	stale := map[string][]string{TableNAT: {"KUBE-SEP-OLDOLDOLDOLDOLDO"}}
	got := rs.DiffBatched(nil, stale, 6)
	if want := bytes.Join(rs.Batches(nil, stale, 6), nil); !bytes.Equal(got, want) {
		t.Errorf("DiffBatched is not the batches joined:\n%s\nwant:\n%s", got, want)
	}
	if n := bytes.Count(got, []byte("COMMIT\n")); n < 4 {
		t.Errorf("want a COMMIT per batch, got %d", n)
	}
	if d := Compute(testSnapshot()).DiffBatched(rs, nil, 6); d != nil {
		t.Errorf("no change must give nil, got:\n%s", d)
	}
}
