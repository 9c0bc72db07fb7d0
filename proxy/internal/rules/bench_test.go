package rules

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func bigSnapshot(n int) *Snapshot {
	s := &Snapshot{ClusterCIDR: "10.0.0.0/8"}
	for i := range n {
		sp := ServicePort{Namespace: "default", Name: fmt.Sprintf("svc-%d", i), PortName: "http", Protocol: TCP,
			ClusterIP: fmt.Sprintf("10.96.%d.%d", i/250, i%250+1), Port: 80}
		if i%10 == 0 {
			sp.NodePort = int32(30000 + i/10)
		}
		for j := range 5 {
			sp.Endpoints = append(sp.Endpoints, Endpoint{IP: fmt.Sprintf("10.%d.%d.%d", 100+j, i/250, i%250+1), Port: 8080, Ready: true, Serving: true})
		}
		s.Services = append(s.Services, sp)
	}
	return s
}

// BenchmarkSync10k is the pure part of one sync at 10k services: render and
// diff against the previous ruleset after one endpoint changed.
func BenchmarkSync10k(b *testing.B) {
	s := bigSnapshot(10000)
	r := NewRenderer()
	prev := r.Compute(s)
	b.ResetTimer()
	for i := range b.N {
		eps := slices.Clone(s.Services[42].Endpoints) // Compute keeps the old slice
		eps[0].IP = fmt.Sprintf("10.99.0.%d", i%2)
		s.Services[42].Endpoints = eps
		next := r.Compute(s)
		if d := next.Diff(prev, nil); len(d) == 0 {
			b.Fatal("no diff")
		}
		prev = next
	}
}

func BenchmarkSnapshotFrom10k(b *testing.B) {
	var svcs []*corev1.Service
	var eps []*discoveryv1.EndpointSlice
	port, proto, name := int32(8080), corev1.ProtocolTCP, "http"
	for i := range 10000 {
		n := fmt.Sprintf("svc-%d", i)
		svcs = append(svcs, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: n}, Spec: corev1.ServiceSpec{
			ClusterIP: fmt.Sprintf("10.96.%d.%d", i/250, i%250+1), Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: proto}}}})
		s := &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: n, Labels: map[string]string{discoveryv1.LabelServiceName: n}},
			AddressType: discoveryv1.AddressTypeIPv4, Ports: []discoveryv1.EndpointPort{{Name: &name, Port: &port, Protocol: &proto}}}
		for j := range 5 {
			s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Addresses: []string{fmt.Sprintf("10.%d.%d.%d", 100+j, i/250, i%250+1)}})
		}
		eps = append(eps, s)
	}
	b.ResetTimer()
	for range b.N {
		if s := SnapshotFrom(svcs, eps, "n", "10.0.0.0/8"); len(s.Services) != 10000 {
			b.Fatal(len(s.Services))
		}
	}
}

// BenchmarkFullSync10k is the pure part of a first sync at 10k services:
// render everything and write the whole restore input.
func BenchmarkFullSync10k(b *testing.B) {
	s := bigSnapshot(10000)
	b.ReportAllocs()
	for range b.N {
		rs := NewRenderer().Compute(s)
		if _, err := rs.Plan(nil, nil, 0).WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
		rs.Compact()
	}
}

// BenchmarkRetained10k reports the heap a Renderer and its last ruleset
// keep between syncs at 10k services (retained-MiB), after a full sync and
// a one-service change.
func BenchmarkRetained10k(b *testing.B) {
	for range b.N {
		s := bigSnapshot(10000)
		before := liveHeap()
		r := NewRenderer()
		rs := r.Compute(s)
		if _, err := rs.Plan(nil, nil, 0).WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
		rs.Compact()
		s.Services[42].Endpoints = slices.Clone(s.Services[42].Endpoints)
		s.Services[42].Endpoints[0].IP = "10.99.0.1"
		next := r.Compute(s)
		if _, err := next.Plan(rs, nil, 0).WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
		next.Compact()
		rs = nil
		b.ReportMetric(float64(liveHeap()-before)/(1<<20), "retained-MiB")
		runtime.KeepAlive(next)
		runtime.KeepAlive(s)
	}
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
