package plan

import (
	"fmt"
	"testing"

	"github.com/wharfhq/wharf/proxy/internal/rules"
	"github.com/wharfhq/wharf/proxy/internal/rules/rulestest"
)

// BenchmarkOneChange is the pure part of a sync of one endpoint change
// among 10k services: Generate and Diff.
func BenchmarkOneChange(b *testing.B) {
	snap := rulestest.Synthetic(10000, 5)
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
	snap := rulestest.Synthetic(10000, 5)
	b.ReportAllocs()
	for b.Loop() {
		for t := range Diff(nil, Generate(snap), nil, NewElemTable(), 500) {
			_ = t
		}
	}
}
