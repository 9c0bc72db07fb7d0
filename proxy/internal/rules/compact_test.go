package rules

import (
	"bytes"
	"slices"
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
	for _, c := range rs.NAT.Chains {
		if IsHashed(c.Name) && c.Rules != nil {
			t.Fatalf("%s kept its text", c.Name)
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
