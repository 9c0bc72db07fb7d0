package plan

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

// collect pulls every transaction of seq and counts their ports.
func collect(seq func(func(*Txn) bool)) (txns []*Txn, ports int) {
	for t := range seq {
		txns, ports = append(txns, t), ports+t.Ports
	}
	return txns, ports
}

func TestDiffFullBatches(t *testing.T) {
	snap := &rules.Snapshot{}
	for i := range 5 {
		snap.Services = append(snap.Services, svcPort(fmt.Sprintf("s%d", i), fmt.Sprintf("10.96.0.%d", i+1), fmt.Sprintf("10.244.1.%d", i+1)))
	}
	tbl := NewElemTable()
	txns, ports := collect(Diff(nil, Generate(snap), nil, tbl, 2))
	if len(txns) != 3 || ports != 5 {
		t.Fatalf("want 3 transactions of 2, 2 and 1 ports, got %d for %d ports", len(txns), ports)
	}
	for i, txn := range txns {
		if want := min(2, 5-2*i); len(txn.Chains) != want || len(txn.AddBackends) != want || len(txn.AddElems) != 2*want {
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
	collect(Diff(nil, s1, nil, tbl, 0))

	// Same number of endpoints: only a's second backend is rewritten.
	a2 := svcPort("a", "10.96.0.1", "10.244.1.2", "10.244.1.4")
	s2 := g.Generate(&rules.Snapshot{Services: []rules.ServicePort{a2, b}})
	txns, ports := collect(Diff(s1, s2, nil, tbl, 0))
	if len(txns) != 1 || ports != 1 {
		t.Fatalf("want one transaction for one port, got %d for %d", len(txns), ports)
	}
	txn := txns[0]
	ah := strings.TrimPrefix(rules.SVCChain(&a), "KUBE-SVC-")
	if len(txn.Chains) != 0 || len(txn.DelChains) != 0 || len(txn.DelBackends) != 1 ||
		!slices.Equal(names(txn.AddBackends, Backend.String), []string{"lb-" + ah + " . 1 : 10.244.1.4 . 8080"}) {
		t.Errorf("endpoint swap: want only the backend rewritten: %s %v", txn.Summary(), txn.AddBackends)
	}
	// 10.244.1.3 is still an endpoint of b: its hairpin element stays.
	if len(txn.DelElems) != 0 {
		t.Errorf("deleted elements another service still needs: %v", elemStrings(txn.DelElems))
	}
	if got, want := elemStrings(txn.AddElems), []string{"hairpin 10.244.1.4 . 10.244.1.4"}; !slices.Equal(got, want) {
		t.Errorf("added elements %v, want %v", got, want)
	}

	// One endpoint fewer: a backend goes and the chain (its modulus) changes.
	a3 := svcPort("a", "10.96.0.1", "10.244.1.2")
	s3 := g.Generate(&rules.Snapshot{Services: []rules.ServicePort{a3, b}})
	txns, _ = collect(Diff(s2, s3, nil, tbl, 0))
	if txn = txns[0]; len(txn.DelBackends) != 1 || len(txn.AddBackends) != 0 || len(txn.Chains) != 1 ||
		!strings.Contains(txn.Chains[0].Rules[0].String(), "mod 1") {
		t.Errorf("endpoint removal: %s", txn.Summary())
	}

	// Removing b deletes its chain, backend and elements; 10.244.1.3 is gone.
	s4 := g.Generate(&rules.Snapshot{Services: []rules.ServicePort{a3}})
	txns, _ = collect(Diff(s3, s4, nil, tbl, 0))
	txn = txns[0]
	bh := strings.TrimPrefix(rules.SVCChain(&b), "KUBE-SVC-")
	if !slices.Equal(txn.DelChains, []string{"svc-" + bh}) ||
		!slices.Equal(txn.DelBackends, []BackendKey{{Backends, LBID("lb-" + bh), 0}}) {
		t.Errorf("service removal: chains %v backends %v", txn.DelChains, txn.DelBackends)
	}
	want := []string{"service-ips 10.96.0.2 . tcp . 80 : goto svc-" + bh, "hairpin 10.244.1.3 . 10.244.1.3"}
	if got := elemStrings(txn.DelElems); !slices.Equal(got, want) {
		t.Errorf("deleted elements %v, want %v", got, want)
	}
	if txns, _ := collect(Diff(s4, g.Generate(&rules.Snapshot{Services: []rules.ServicePort{a3}}), nil, tbl, 0)); len(txns) != 0 {
		t.Errorf("no change must give no transaction: %s", txns[0].Summary())
	}
}

func TestDiffConflictingKeys(t *testing.T) {
	// Two services claim one external IP: the first wins; when it goes,
	// the second takes the key over.
	x, y := svcPort("x", "10.96.0.1", "10.244.1.2"), svcPort("y", "10.96.0.2", "10.244.1.3")
	x.ExternalIPs, y.ExternalIPs = []string{"192.0.2.1"}, []string{"192.0.2.1"}
	tbl := NewElemTable()
	s1 := Generate(&rules.Snapshot{Services: []rules.ServicePort{x, y}})
	collect(Diff(nil, s1, nil, tbl, 0))
	s2 := Generate(&rules.Snapshot{Services: []rules.ServicePort{y}})
	txns, _ := collect(Diff(s1, s2, nil, tbl, 0))
	yh := strings.TrimPrefix(rules.SVCChain(&y), "KUBE-SVC-")
	if !slices.Contains(elemStrings(txns[0].AddElems), "service-ips 192.0.2.1 . tcp . 80 : goto ext-"+yh) {
		t.Errorf("external IP not handed over to y: add %v del %v", elemStrings(txns[0].AddElems), elemStrings(txns[0].DelElems))
	}
}

func TestDiffStale(t *testing.T) {
	a := svcPort("a", "10.96.0.1", "10.244.1.2")
	st := Generate(&rules.Snapshot{Services: []rules.ServicePort{a}})
	ah := strings.TrimPrefix(rules.SVCChain(&a), "KUBE-SVC-")
	mine, old := BackendKey{Backends, LBID("lb-" + ah), 0}, BackendKey{Backends, LBID("lb-OLD"), 0}
	stale := &Stale{
		Chains:   map[string]bool{"svc-" + ah: true, "svc-OLD": true, "ext-OLD": true},
		Sets:     map[string]bool{"lb-OLD": true},
		Backends: map[BackendKey]bool{mine: true, old: true},
	}
	tbl := NewElemTableFor(st)
	tbl.SetKernel(ElemKey{Map: ServiceIPs, IP: "10.96.0.1", Proto: rules.TCP, Port: 80}, ElemVal{Verdict: VerdictUnknown})
	tbl.SetKernel(ElemKey{Map: ServiceIPs, IP: "10.96.0.9", Proto: rules.TCP, Port: 80}, ElemVal{Verdict: VerdictUnknown})
	txns, _ := collect(Diff(nil, st, stale, tbl, 0))
	if len(txns) != 2 {
		t.Fatalf("want the ports' and the stale transaction, got %d", len(txns))
	}
	// Keys the kernel has with unknown values are rewritten.
	if w := txns[0]; len(w.DelElems) != 1 || len(w.AddElems) != 2 || !slices.Equal(w.DelBackends, []BackendKey{mine}) ||
		len(w.AddBackends) != 1 {
		t.Errorf("rewrite: %s", w.Summary())
	}
	del := txns[1]
	if !slices.Equal(del.DelChains, []string{"ext-OLD", "svc-OLD"}) || !slices.Equal(del.DelSets, []string{"lb-OLD"}) ||
		len(del.DelElems) != 1 || del.DelElems[0].IP != "10.96.0.9" || !slices.Equal(del.DelBackends, []BackendKey{old}) {
		t.Errorf("stale deletions: %s: chains %v sets %v elems %v", del.Summary(), del.DelChains, del.DelSets, elemStrings(del.DelElems))
	}
}
