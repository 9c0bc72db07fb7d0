package rules

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// TestCompact checks that a compacted ruleset keeps its rule count, needs
// no text to diff, and renders the same text again for a full sync.
func TestCompact(t *testing.T) {
	s := bigSnapshot(50)
	want := Compute(s).Text()
	r := NewRenderer()
	rs := r.Compute(s)
	n := rs.RuleCount()
	rs.Compact()
	if got := rs.RuleCount(); got != n {
		t.Errorf("RuleCount after Compact = %d, want %d", got, n)
	}
	for _, tb := range rs.Tables() {
		for _, c := range tb.Chains {
			if IsHashed(c.Name) {
				t.Fatalf("ruleset keeps per-service chain %s", c.Name)
			}
		}
	}
	for _, pr := range rs.order {
		for _, f := range pr.fixed {
			if IsHashed(f.chain) {
				t.Fatalf("port %s keeps rules of per-service chain %s", pr.sp.String(), f.chain)
			}
		}
	}
	if d := r.Compute(s).Diff(rs, nil); d != nil {
		t.Errorf("no change must give no diff against a compacted ruleset:\n%s", d)
	}

	// One endpoint changes: the diff is the same as without compaction.
	eps := slices.Clone(s.Services[7].Endpoints)
	eps[0].IP = "10.99.0.1"
	s.Services[7].Endpoints = eps
	next := r.Compute(s)
	wantDiff := Compute(s).Diff(Compute(bigSnapshot(50)), nil)
	if got := next.Diff(rs, nil); !bytes.Equal(got, wantDiff) {
		t.Errorf("diff against compacted:\n%s\nwant:\n%s", got, wantDiff)
	}
	next.Compact()

	// A full sync renders everything again, equal to a fresh rendering.
	s.Services[7].Endpoints = bigSnapshot(50).Services[7].Endpoints
	again := r.Compute(s)
	if got := again.Text(); !bytes.Equal(got, want) {
		t.Errorf("full text after compaction differs (%d vs %d bytes)", len(got), len(want))
	}
}

// TestChainEqualCompacted compares chains by digest once either side
// lost its text.
func TestChainEqualCompacted(t *testing.T) {
	a := &Chain{Name: "KUBE-SVC-X", Rules: []string{"-j A", "-j B"}}
	b := &Chain{Name: "KUBE-SVC-X", Rules: []string{"-j A", "-j B"}}
	c := &Chain{Name: "KUBE-SVC-X", Rules: []string{"-j A", "-j C"}}
	d := &Chain{Name: "KUBE-SVC-X", Rules: []string{"-j A\n-j B"}}
	b.compact()
	if !chainEqual(a, b) || !chainEqual(b, a) {
		t.Error("equal chains differ after compaction")
	}
	if chainEqual(c, b) || chainEqual(d, b) {
		t.Error("different chains equal after compaction")
	}
}

// TestDigestOnly checks that a chain built digest-only has the digest and
// length of the same chain rendered as text, so either side of a diff may
// be either.
func TestDigestOnly(t *testing.T) {
	for _, sp := range testSnapshot().Services {
		text, sums := renderPort(&sp, "10.244.0.0/16", false), renderPort(&sp, "10.244.0.0/16", true)
		for i, tb := range text.Tables() {
			for _, c := range tb.Chains {
				d := sums.Tables()[i].Lookup(c.Name)
				switch {
				case d == nil:
					t.Fatalf("%s: digest-only rendering lacks %s", sp.String(), c.Name)
				case IsHashed(c.Name) != d.compacted || (d.compacted && d.Rules != nil):
					t.Errorf("%s: %s compacted=%v with %d rules of text", sp.String(), c.Name, d.compacted, len(d.Rules))
				case !chainEqual(c, d) || !chainEqual(d, c) || c.Len() != d.Len():
					t.Errorf("%s: %s differs between text and digest-only rendering", sp.String(), c.Name)
				}
			}
		}
	}
}

// TestRuleCount counts rules per table as the text has them.
func TestRuleCount(t *testing.T) {
	rs := Compute(testSnapshot())
	want := map[string]int{}
	table := ""
	for _, line := range strings.Split(string(rs.Text()), "\n") {
		switch {
		case strings.HasPrefix(line, "*"):
			table = line[1:]
		case strings.HasPrefix(line, "-A "):
			want[table]++
		}
	}
	for _, name := range []string{TableFilter, TableNAT} {
		if got := rs.TableRuleCount(name); got != want[name] || got == 0 {
			t.Errorf("TableRuleCount(%s) = %d, text has %d", name, got, want[name])
		}
	}
	if got := rs.RuleCount(); got != want[TableFilter]+want[TableNAT] {
		t.Errorf("RuleCount() = %d, want %d", got, want[TableFilter]+want[TableNAT])
	}
}

// TestStaleChains deletes each stale per-service chain once, and none
// the ruleset has.
func TestStaleChains(t *testing.T) {
	s := testSnapshot()
	rs := Compute(s)
	have := SVCChain(&s.Services[0])
	stale := []string{"KUBE-SEP-ZZZ", have, "KUBE-SERVICES", "KUBE-SEP-AAA", "KUBE-SEP-ZZZ", "DOCKER"}
	got := rs.staleChains(1, []string{"KUBE-SEP-AAA"}, stale)
	if !slices.Equal(got, []string{"KUBE-SEP-ZZZ"}) {
		t.Errorf("staleChains = %q, want [KUBE-SEP-ZZZ]", got)
	}
}

// TestServicePortEqual compares every field, the slices by content.
func TestServicePortEqual(t *testing.T) {
	a := bigSnapshot(1).Services[0]
	b := bigSnapshot(1).Services[0] // equal content, other slices
	if !a.Equal(&b) {
		t.Fatal("equal ports differ")
	}
	b.Endpoints[4].Ready = false
	c := bigSnapshot(1).Services[0]
	c.ExternalIPs = []string{"1.2.3.4"}
	d := bigSnapshot(1).Services[0]
	d.NodePort++
	for _, o := range []*ServicePort{&b, &c, &d} {
		if a.Equal(o) || o.Equal(&a) {
			t.Errorf("%+v equals %+v", o, a)
		}
	}
}
