package rules

import (
	"bytes"
	"hash/maphash"
	"slices"
	"strings"
)

// Table names, as iptables-restore spells them.
const (
	TableFilter = "filter"
	TableNAT    = "nat"
)

// Chain is one chain and its rules; each rule is the text after "-A <chain> ".
type Chain struct {
	Name string
	// Rules is nil for the per-service chains of a Renderer's rulesets:
	// those keep only a digest (see Plan.WriteTo for their text).
	Rules []string
	// compacted is set when the chain keeps only the digest sum and count
	// n of its rules: from birth for a Renderer's per-service chains, after
	// compact for others.
	compacted bool
	n         int
	sum       uint64
}

// digestSeed makes rule digests comparable within one process; it is
// never written after initialisation.
var digestSeed = maphash.MakeSeed()

// Len is the number of rules of c, also after Compact.
func (c *Chain) Len() int {
	if c.compacted {
		return c.n
	}
	return len(c.Rules)
}

// digest is an order-sensitive hash of c's rules: the same for the same
// rules whether c keeps their text or was built digest-only.
func (c *Chain) digest() uint64 {
	if c.compacted {
		return c.sum
	}
	var sum uint64
	for _, r := range c.Rules {
		sum = foldRule(sum, maphash.String(digestSeed, r))
	}
	return sum
}

// fold adds one rule to a digest-only chain.
func (c *Chain) fold(rule []byte) {
	c.sum = foldRule(c.sum, maphash.Bytes(digestSeed, rule))
	c.n++
}

func foldRule(sum, rule uint64) uint64 {
	return maphash.Comparable(digestSeed, [2]uint64{sum, rule})
}

func (c *Chain) compact() {
	if !c.compacted {
		c.sum, c.n = c.digest(), len(c.Rules)
		c.Rules, c.compacted = nil, true
	}
}

// Table is the chains of one iptables table, in rendering order.
type Table struct {
	Name   string
	Chains []*Chain
	// digestOnly makes Chain create per-service chains that keep only a
	// digest of their rules.
	digestOnly bool
	// index maps names to Chains[:indexed]; Lookup builds it lazily, and
	// only for tables of more than smallTable chains.
	index   map[string]*Chain
	indexed int
}

// Ruleset is a rendered sync: the chains we own in the filter and nat
// tables. Its Tables hold the fixed chains (KUBE-SERVICES, ...) with their
// rules; the per-service chains (KUBE-SVC-*, ...) are kept per service port
// as names and digests only, and their text is rendered again when a Plan
// writes them.
type Ruleset struct {
	Filter, NAT *Table
	// ports, set by Renderer.Compute, maps each service port to its
	// contribution, so Diff against a ruleset of the same Renderer can
	// compare ports by identity instead of every chain by content.
	ports map[portKey]*portRules
	order []*portRules
	// fresh is the number of ports Compute rendered (not reused).
	fresh int
	// names are the sorted names of the per-service chains per table,
	// built by hasChain.
	names [2][]string
}

func newRuleset() *Ruleset {
	return &Ruleset{Filter: newTable(TableFilter), NAT: newTable(TableNAT)}
}

func newTable(name string) *Table { return &Table{Name: name} }

// smallTable is the size up to which Lookup scans instead of indexing
// (one service port's tables are that small, and there are thousands).
const smallTable = 16

// Tables returns the tables in restore order.
func (rs *Ruleset) Tables() []*Table { return []*Table{rs.Filter, rs.NAT} }

// Chain returns the named chain, creating it (empty) if needed.
func (t *Table) Chain(name string) *Chain {
	if c := t.Lookup(name); c != nil {
		return c
	}
	c := &Chain{Name: name, compacted: t.digestOnly && IsHashed(name)}
	t.Chains = append(t.Chains, c)
	return c
}

// Lookup returns the named chain or nil. The first smallTable chains (the
// fixed ones come first) are scanned, so looking them up in a big table
// builds no index.
func (t *Table) Lookup(name string) *Chain {
	for _, c := range t.Chains[:min(len(t.Chains), smallTable)] {
		if c.Name == name {
			return c
		}
	}
	if len(t.Chains) <= smallTable {
		return nil
	}
	if c, ok := t.index[name]; ok {
		return c
	}
	if t.index == nil {
		t.index = make(map[string]*Chain, len(t.Chains))
	}
	for ; t.indexed < len(t.Chains); t.indexed++ {
		c := t.Chains[t.indexed]
		t.index[c.Name] = c
	}
	return t.index[name]
}

// add appends one rule made of args joined by spaces.
func (c *Chain) add(args ...string) { c.Rules = append(c.Rules, strings.Join(args, " ")) }

// RuleCount is the number of rules in all tables.
func (rs *Ruleset) RuleCount() int {
	n := 0
	for _, t := range rs.Tables() {
		n += rs.TableRuleCount(t.Name)
	}
	return n
}

// TableRuleCount is the number of rules in the named table.
func (rs *Ruleset) TableRuleCount(table string) int {
	n := 0
	for i, t := range rs.Tables() {
		if t.Name != table {
			continue
		}
		for _, c := range t.Chains {
			n += c.Len()
		}
		for _, pr := range rs.order {
			n += pr.rules(i)
		}
	}
	return n
}

// relocateMin is the number of freshly rendered ports from which Compact
// moves the fixed chains' rules out of the rendered text (see relocate):
// copying 10k KUBE-SERVICES rules on every one-service sync is not worth
// the one allocation span a changed port's rule pins.
const relocateMin = 64

// Compact moves the fixed chains' rules of rs and of its new service ports
// out of the memory they share with short-lived rendering garbage (see
// relocate), and drops the chain indices. Call it once rs is in the kernel.
func (rs *Ruleset) Compact() {
	rs.names = [2][]string{}
	for _, pr := range rs.order {
		pr.relocate()
	}
	for _, t := range rs.Tables() {
		t.index, t.indexed = nil, 0
		if rs.fresh < relocateMin {
			continue // pins at most a few spans until the next sync
		}
		for _, c := range t.Chains {
			c.Rules = relocate(c.Rules) // see relocate
		}
	}
}

// Text is the whole ruleset as iptables-restore input. Every chain is
// declared (so flushed under --noflush) and rewritten.
func (rs *Ruleset) Text() []byte {
	return rs.Diff(nil, nil)
}

// Diff is the text of rs.Plan(prev, stale, 0), nil when nothing changed.
func (rs *Ruleset) Diff(prev *Ruleset, stale map[string][]string) []byte {
	return rs.DiffBatched(prev, stale, 0)
}

// DiffBatched is the text of rs.Plan(prev, stale, maxLines): consecutive
// transactions in one input, each ending in its own COMMIT, so one
// iptables-restore process applies them one after the other. It is nil
// when nothing changed.
func (rs *Ruleset) DiffBatched(prev *Ruleset, stale map[string][]string, maxLines int) []byte {
	p := rs.Plan(prev, stale, maxLines)
	if p.Empty() {
		return nil
	}
	var buf bytes.Buffer
	_, _ = p.WriteTo(&buf) // a bytes.Buffer does not fail
	return buf.Bytes()
}

// Batches is DiffBatched with each transaction on its own.
func (rs *Ruleset) Batches(prev *Ruleset, stale map[string][]string, maxLines int) [][]byte {
	p := rs.Plan(prev, stale, maxLines)
	out := make([][]byte, 0, len(p.batches))
	for i := range p.batches {
		var buf bytes.Buffer
		_, _ = (&Plan{batches: p.batches[i : i+1]}).WriteTo(&buf)
		out = append(out, buf.Bytes())
	}
	return out
}

// samePortRules reports whether a and b have equal chains in table: the
// same portRules when both came from one Renderer, else compared by digest.
func samePortRules(a, b *portRules, table int) bool {
	if a == b || a == nil || b == nil {
		return a == b
	}
	i, j := 0, 0
	for {
		for i < len(a.chains) && int(a.chains[i].table) != table {
			i++
		}
		for j < len(b.chains) && int(b.chains[j].table) != table {
			j++
		}
		if i == len(a.chains) || j == len(b.chains) {
			return i == len(a.chains) && j == len(b.chains)
		}
		if a.chains[i] != b.chains[j] {
			return false
		}
		i, j = i+1, j+1
	}
}

// chainEqual compares rules, or their digests when either was compacted.
func chainEqual(a, b *Chain) bool {
	switch {
	case a == b:
		return true
	case b == nil:
		return false
	case !a.compacted && !b.compacted:
		return slices.Equal(a.Rules, b.Rules)
	}
	return a.Len() == b.Len() && a.digest() == b.digest()
}
