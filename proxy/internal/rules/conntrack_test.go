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
