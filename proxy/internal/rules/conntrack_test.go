package rules

import (
	"slices"
	"testing"
)

func TestStaleFlows(t *testing.T) {
	dns := ServicePort{Namespace: "kube-system", Name: "dns", PortName: "dns", Protocol: UDP, ClusterIP: "10.96.0.10", Port: 53,
		NodePort: 30053, ExternalIPs: []string{"192.0.2.1"}, Endpoints: []Endpoint{ep("10.244.1.2", true), ep("10.244.1.3", true)}}
	tcp := dns
	tcp.Protocol = TCP
	after := dns
	after.Endpoints = []Endpoint{ep("10.244.1.3", true)}
	got := StaleFlows([]ServicePort{dns, tcp}, []ServicePort{after})
	want := []Flush{
		{UDP, "10.96.0.10", 53, "10.244.1.2"},
		{UDP, "192.0.2.1", 53, "10.244.1.2"},
		{UDP, "", 30053, "10.244.1.2"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("StaleFlows = %+v, want %+v", got, want)
	}
	if got := StaleFlows([]ServicePort{dns}, []ServicePort{dns}); len(got) != 0 {
		t.Errorf("no change: %+v", got)
	}
	if got := StaleFlows([]ServicePort{dns}, nil); len(got) != 6 {
		t.Errorf("service deleted: want 6 flushes, got %+v", got)
	}
}

func TestStaleFlowsSCTP(t *testing.T) {
	sctp := ServicePort{Namespace: "ns", Name: "s", Protocol: SCTP, ClusterIP: "10.96.0.20", Port: 9000,
		Endpoints: []Endpoint{ep("10.244.1.2", true)}}
	moved := sctp
	moved.Endpoints = []Endpoint{ep("10.244.1.4", true)}
	got := StaleFlows([]ServicePort{sctp}, []ServicePort{moved})
	if want := []Flush{{SCTP, "10.96.0.20", 9000, "10.244.1.2"}}; !slices.Equal(got, want) {
		t.Errorf("StaleFlows = %+v, want %+v", got, want)
	}
}

// TestStaleFlowsNewlyActive: a UDP port that gets its first endpoint (or
// appears with one) flushes the flows to it that were not DNATed.
func TestStaleFlowsNewlyActive(t *testing.T) {
	empty := ServicePort{Namespace: "ns", Name: "u", Protocol: UDP, ClusterIP: "10.96.0.30", Port: 53, NodePort: 30053}
	active := empty
	active.Endpoints = []Endpoint{ep("10.244.1.2", true)}
	want := []Flush{{UDP, "10.96.0.30", 53, ""}, {UDP, "", 30053, ""}}
	if got := StaleFlows([]ServicePort{empty}, []ServicePort{active}); !slices.Equal(got, want) {
		t.Errorf("first endpoint: %+v, want %+v", got, want)
	}
	if got := StaleFlows(nil, []ServicePort{active}); !slices.Equal(got, want) {
		t.Errorf("new service: %+v, want %+v", got, want)
	}
	if got := StaleFlows(nil, []ServicePort{empty}); len(got) != 0 {
		t.Errorf("new service without endpoints: %+v", got)
	}
}
