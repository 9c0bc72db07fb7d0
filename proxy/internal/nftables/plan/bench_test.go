package plan

import (
	"fmt"
	"testing"

	"github.com/wharfhq/wharf/proxy/internal/rules"
)

// benchSnapshot is n services of 5 endpoints, as hack/bench/proxy makes.
func benchSnapshot(n int) *rules.Snapshot {
	s := &rules.Snapshot{ClusterCIDR: "10.0.0.0/8", Services: make([]rules.ServicePort, n)}
	for i := range n {
		sp := rules.ServicePort{Namespace: "default", Name: fmt.Sprintf("svc-%d", i), PortName: "http", Protocol: rules.TCP,
			ClusterIP: fmt.Sprintf("10.96.%d.%d", i/250, i%250+1), Port: 80}
		if i%10 == 0 {
			sp.NodePort = int32(30000 + i%2000)
		}
		for j := range 5 {
			sp.Endpoints = append(sp.Endpoints, rules.Endpoint{IP: fmt.Sprintf("10.%d.%d.%d", 100+j, i/250, i%250+1), Port: 8080, Ready: true, Serving: true})
		}
		s.Services[i] = sp
	}
	return s
}

// BenchmarkOneChange is the pure part of a sync of one endpoint change
// among 10k services: Generate and Diff.
func BenchmarkOneChange(b *testing.B) {
	snap := benchSnapshot(10000)
	g, tbl := NewGenerator(), NewElemTable()
	prev := g.Generate(snap)
	collect(Diff(nil, prev, nil, tbl, 500))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k := (i * 7919) % len(snap.Services)
		eps := append([]rules.Endpoint(nil), snap.Services[k].Endpoints...)
		eps[0].IP = fmt.Sprintf("10.99.%d.%d", i/250%250, i%250+1)
		snap.Services[k].Endpoints = eps
		cur := g.Generate(snap)
		if _, ports := collect(Diff(prev, cur, nil, tbl, 500)); ports != 1 {
			b.Fatalf("plan of %d ports", ports)
		}
		prev = cur
		i++
	}
}

// BenchmarkFull is the pure part of a full sync of 10k services.
func BenchmarkFull(b *testing.B) {
	snap := benchSnapshot(10000)
	b.ReportAllocs()
	for b.Loop() {
		for t := range Diff(nil, Generate(snap), nil, NewElemTable(), 500) {
			_ = t
		}
	}
}
