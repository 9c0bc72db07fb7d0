package nftables

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/wharfhq/wharf/proxy/internal/rules"
)

func svcPort(name, ip string, eps ...string) rules.ServicePort {
	return rules.ServicePort{Namespace: "ns", Name: name, Protocol: rules.TCP, ClusterIP: ip, Port: 80, Endpoints: ready(eps...)}
}

func names[T any](xs []T, name func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = name(x)
	}
	return out
}

func elemStrings(es []Elem) []string {
	return names(es, func(e Elem) string { return e.Map.Name() + " " + e.String() })
}

func TestDiffFullBatches(t *testing.T) {
	snap := &rules.Snapshot{}
	for i := range 5 {
		snap.Services = append(snap.Services, svcPort(fmt.Sprintf("s%d", i), fmt.Sprintf("10.96.0.%d", i+1), fmt.Sprintf("10.244.1.%d", i+1)))
	}
	tbl := NewElemTable()
	plan := Diff(nil, Generate(snap), nil, tbl, 2)
	if len(plan.Txns) != 3 || plan.Ports != 5 {
		t.Fatalf("want 3 transactions of 2, 2 and 1 ports, got %d for %d ports", len(plan.Txns), plan.Ports)
	}
	for i, txn := range plan.Txns {
		if want := min(2, 5-2*i); len(txn.Chains) != want || len(txn.Maps) != want || len(txn.AddElems) != 2*want {
			t.Errorf("txn %d: %s", i, txn.Summary())
		}
	}
	if tbl.Len() != 10 {
		t.Errorf("element table has %d elements, want 10", tbl.Len())
	}
}

func TestDiffIncremental(t *testing.T) {
	a, b := svcPort("a", "10.96.0.1", "10.244.1.2", "10.244.1.3"), svcPort("b", "10.96.0.2", "10.244.1.3")
	g, tbl := NewGenerator(), NewElemTable()
	s1 := g.Generate(&rules.Snapshot{Services: []rules.ServicePort{a, b}})
	Diff(nil, s1, nil, tbl, 0)

	// Same number of endpoints: only a's map is rewritten.
	a2 := svcPort("a", "10.96.0.1", "10.244.1.2", "10.244.1.4")
	s2 := g.Generate(&rules.Snapshot{Services: []rules.ServicePort{a2, b}})
	plan := Diff(s1, s2, nil, tbl, 0)
	if len(plan.Txns) != 1 || plan.Ports != 1 {
		t.Fatalf("want one transaction for one port, got %+v", plan)
	}
	txn := plan.Txns[0]
	if len(txn.Maps) != 1 || len(txn.Chains) != 0 || len(txn.DelChains) != 0 {
		t.Errorf("endpoint swap: want only the map written: %s", txn.Summary())
	}
	// 10.244.1.3 is still an endpoint of b: its hairpin element stays.
	if len(txn.DelElems) != 0 {
		t.Errorf("deleted elements another service still needs: %v", elemStrings(txn.DelElems))
	}
	if got, want := elemStrings(txn.AddElems), []string{"hairpin 10.244.1.4 . 10.244.1.4"}; !slices.Equal(got, want) {
		t.Errorf("added elements %v, want %v", got, want)
	}

	// One endpoint fewer: map and chain (its modulus) change.
	a3 := svcPort("a", "10.96.0.1", "10.244.1.2")
	s3 := g.Generate(&rules.Snapshot{Services: []rules.ServicePort{a3, b}})
	txn = Diff(s2, s3, nil, tbl, 0).Txns[0]
	if len(txn.Maps) != 1 || len(txn.Chains) != 1 || !strings.Contains(txn.Chains[0].Rules[0].String(), "mod 1") {
		t.Errorf("endpoint removal: %s", txn.Summary())
	}

	// Removing b deletes its chain, map and elements; 10.244.1.3 is gone.
	s4 := g.Generate(&rules.Snapshot{Services: []rules.ServicePort{a3}})
	txn = Diff(s3, s4, nil, tbl, 0).Txns[0]
	bh := strings.TrimPrefix(rules.SVCChain(&b), "KUBE-SVC-")
	if !slices.Equal(txn.DelChains, []string{"svc-" + bh}) || !slices.Equal(txn.DelMaps, []string{"lb-" + bh}) {
		t.Errorf("service removal: chains %v maps %v", txn.DelChains, txn.DelMaps)
	}
	want := []string{"service-ips 10.96.0.2 . tcp . 80 : goto svc-" + bh, "hairpin 10.244.1.3 . 10.244.1.3"}
	if got := elemStrings(txn.DelElems); !slices.Equal(got, want) {
		t.Errorf("deleted elements %v, want %v", got, want)
	}
	if plan := Diff(s4, g.Generate(&rules.Snapshot{Services: []rules.ServicePort{a3}}), nil, tbl, 0); !plan.Empty() {
		t.Errorf("no change must give an empty plan: %+v", plan)
	}
}

func TestDiffConflictingKeys(t *testing.T) {
	// Two services claim one external IP: the first wins; when it goes,
	// the second takes the key over.
	x, y := svcPort("x", "10.96.0.1", "10.244.1.2"), svcPort("y", "10.96.0.2", "10.244.1.3")
	x.ExternalIPs, y.ExternalIPs = []string{"192.0.2.1"}, []string{"192.0.2.1"}
	tbl := NewElemTable()
	s1 := Generate(&rules.Snapshot{Services: []rules.ServicePort{x, y}})
	Diff(nil, s1, nil, tbl, 0)
	s2 := Generate(&rules.Snapshot{Services: []rules.ServicePort{y}})
	txn := Diff(s1, s2, nil, tbl, 0).Txns[0]
	yh := strings.TrimPrefix(rules.SVCChain(&y), "KUBE-SVC-")
	if !slices.Contains(elemStrings(txn.AddElems), "service-ips 192.0.2.1 . tcp . 80 : goto ext-"+yh) {
		t.Errorf("external IP not handed over to y: add %v del %v", elemStrings(txn.AddElems), elemStrings(txn.DelElems))
	}
}

func TestDiffStale(t *testing.T) {
	a := svcPort("a", "10.96.0.1", "10.244.1.2")
	st := Generate(&rules.Snapshot{Services: []rules.ServicePort{a}})
	ah := strings.TrimPrefix(rules.SVCChain(&a), "KUBE-SVC-")
	stale := &Stale{
		Chains: []string{"svc-" + ah, "svc-OLD", "ext-OLD", chainServices, "nat-prerouting"},
		Sets:   []string{"lb-" + ah, "lb-OLD", "service-ips"},
		Elems: []Elem{
			{ElemKey{Map: ServiceIPs, IP: "10.96.0.1", Proto: rules.TCP, Port: 80}, ElemVal{Verdict: verdictUnknown}},
			{ElemKey{Map: ServiceIPs, IP: "10.96.0.9", Proto: rules.TCP, Port: 80}, ElemVal{Verdict: verdictUnknown}},
		},
	}
	plan := Diff(nil, st, stale, NewElemTable(), 0)
	if len(plan.Txns) != 2 {
		t.Fatalf("want the ports' and the stale transaction, got %d", len(plan.Txns))
	}
	// A key the kernel has with an unknown value is rewritten.
	if w := plan.Txns[0]; len(w.DelElems) != 1 || len(w.AddElems) != 2 {
		t.Errorf("rewrite: del %v add %v", elemStrings(w.DelElems), elemStrings(w.AddElems))
	}
	del := plan.Txns[1]
	if !slices.Equal(del.DelChains, []string{"ext-OLD", "svc-OLD"}) || !slices.Equal(del.DelMaps, []string{"lb-OLD"}) ||
		len(del.DelElems) != 1 || del.DelElems[0].IP != "10.96.0.9" {
		t.Errorf("stale deletions: chains %v maps %v elems %v", del.DelChains, del.DelMaps, elemStrings(del.DelElems))
	}
}
