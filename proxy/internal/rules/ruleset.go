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
	Name  string
	Rules []string
	// compacted is set when Ruleset.Compact replaced Rules (now nil) by
	// their digest sum and count n.
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

func (c *Chain) digest() uint64 {
	if c.compacted {
		return c.sum
	}
	var h maphash.Hash
	h.SetSeed(digestSeed)
	for _, r := range c.Rules {
		h.WriteString(r)
		h.WriteByte('\n')
	}
	return h.Sum64()
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
	// index maps names to Chains[:indexed]; Lookup builds it lazily, and
	// only for tables of more than smallTable chains.
	index   map[string]*Chain
	indexed int
}

// Ruleset is a rendered sync: the filter and nat chains we own.
type Ruleset struct {
	Filter, NAT *Table
	// ports, set by Renderer.Compute, maps each service port to its
	// contribution, so Diff against a ruleset of the same Renderer can
	// compare ports by identity instead of every chain by content.
	ports map[string]*portRules
	order []*portRules
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
	c := &Chain{Name: name}
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
		for _, c := range t.Chains {
			n += c.Len()
		}
	}
	return n
}

// Compact drops the rule text of every per-service chain of rs, keeping a
// digest to compare it with, and the chain indices. At 10k services that
// text is most of the proxy's memory, and a Renderer's cache and the
// previous ruleset would hold it until the service changes. Batches
// renders compacted ports again when it has to write their chains (full
// syncs). Call it once rs is in the kernel.
func (rs *Ruleset) Compact() {
	for _, pr := range rs.order {
		pr.compact()
	}
	for _, t := range rs.Tables() {
		t.index, t.indexed = nil, 0
		for _, c := range t.Chains {
			if !IsHashed(c.Name) {
				c.Rules = relocate(c.Rules) // see relocate
			}
		}
	}
}

// materialize gives every compacted port of rs its text back.
func (rs *Ruleset) materialize() {
	for _, pr := range rs.order {
		pr.materialize()
	}
}

// Text is the whole ruleset as iptables-restore input. Every chain is
// declared (so flushed under --noflush) and rewritten.
func (rs *Ruleset) Text() []byte {
	return rs.Diff(nil, nil)
}

// Diff returns iptables-restore input (for --noflush) that turns the kernel
// state prev into rs: it declares and rewrites the chains whose rules differ
// (all of them when prev is nil) and deletes per-service chains that prev
// or stale (table name -> chain names found in the kernel) have but rs has
// not. It returns nil when nothing changed.
func (rs *Ruleset) Diff(prev *Ruleset, stale map[string][]string) []byte {
	return rs.DiffBatched(prev, stale, 0)
}

// DiffBatched is Diff as the consecutive transactions of Batches in one
// input: each ends in its own COMMIT, so one iptables-restore process
// applies them one after the other, paying for its start and for reading
// the table once instead of once per batch.
func (rs *Ruleset) DiffBatched(prev *Ruleset, stale map[string][]string, maxLines int) []byte {
	var buf bytes.Buffer
	if ends := rs.writeBatches(&buf, prev, stale, maxLines); len(ends) == 0 {
		return nil
	}
	return buf.Bytes()
}

// Batches is Diff split into transactions of at most about maxLines rule
// lines each (0 = no limit), for backends whose restore cost grows faster
// than linearly with its input (iptables-nft --noflush). A chain is never
// split. Chains are written leaves first (KUBE-MARK-MASQ, SEP, SVC/SVL, EXT,
// then KUBE-NODEPORTS and KUBE-SERVICES), so every batch leaves the kernel
// consistent: a chain is only referenced once its new rules are in, and stale
// chains are deleted in the last batch of their table.
func (rs *Ruleset) Batches(prev *Ruleset, stale map[string][]string, maxLines int) [][]byte {
	var buf bytes.Buffer
	ends := rs.writeBatches(&buf, prev, stale, maxLines)
	b, out, start := buf.Bytes(), make([][]byte, 0, len(ends)), 0
	for _, end := range ends {
		out = append(out, b[start:end:end])
		start = end
	}
	return out
}

// writeBatches writes the batches of Batches to buf and returns the end
// offset of each.
func (rs *Ruleset) writeBatches(buf *bytes.Buffer, prev *Ruleset, stale map[string][]string, maxLines int) []int {
	var ends []int
	for i, t := range rs.Tables() {
		var write []*Chain
		var del []string
		switch {
		case prev == nil:
			rs.materialize()
			write, del = tableChanges(t, nil, true, stale[t.Name])
		case rs.ports != nil && prev.ports != nil && len(stale[t.Name]) == 0:
			write, del = portChanges(rs, prev, i)
		default:
			rs.materialize()
			write, del = tableChanges(t, prev.table(t.Name), false, stale[t.Name])
		}
		ends = tableBatches(buf, ends, t.Name, write, del, maxLines)
	}
	return ends
}

// portChanges is tableChanges for two rulesets of one Renderer: the fixed
// chains compared by content, the per-service chains by port identity.
func portChanges(rs, prev *Ruleset, table int) (write []*Chain, del []string) {
	t, pt := rs.Tables()[table], prev.Tables()[table]
	for _, c := range t.Chains {
		if !IsHashed(c.Name) && !chainEqual(c, pt.Lookup(c.Name)) {
			write = append(write, c)
		}
	}
	for _, pr := range rs.order {
		if !samePortRules(prev.ports[pr.key], pr, table) {
			pr.materialize()
			write = append(write, pr.tables.Tables()[table].Chains...)
		}
	}
	slices.SortStableFunc(write, func(a, b *Chain) int { return rank(a.Name) - rank(b.Name) })
	// A per-service chain name belongs to one port (its hash covers the
	// port's name and protocol), so only that port's new chains can keep it.
	for _, pr := range prev.order {
		cur := rs.ports[pr.key]
		if samePortRules(cur, pr, table) {
			continue
		}
		for _, c := range pr.tables.Tables()[table].Chains {
			if IsHashed(c.Name) && (cur == nil || cur.tables.Tables()[table].Lookup(c.Name) == nil) {
				del = append(del, c.Name)
			}
		}
	}
	return write, del
}

func (rs *Ruleset) table(name string) *Table {
	if name == TableNAT {
		return rs.NAT
	}
	return rs.Filter
}

// tableChanges returns the chains of t to write, leaves first, and the
// hashed chains to delete.
func tableChanges(t, prev *Table, all bool, stale []string) (write []*Chain, del []string) {
	for _, c := range t.Chains {
		if all || prev == nil || !chainEqual(c, prev.Lookup(c.Name)) {
			write = append(write, c)
		}
	}
	slices.SortStableFunc(write, func(a, b *Chain) int { return rank(a.Name) - rank(b.Name) })
	seen := map[string]bool{}
	consider := func(name string) {
		if seen[name] || !IsHashed(name) || t.Lookup(name) != nil {
			return
		}
		seen[name] = true
		del = append(del, name)
	}
	if prev != nil {
		for _, c := range prev.Chains {
			consider(c.Name)
		}
	}
	for _, name := range stale {
		consider(name)
	}
	return write, del
}

// rank orders chains so that a chain comes after every chain it jumps to.
func rank(chain string) int {
	switch {
	case chain == ChainMarkMasq || chain == ChainPostrouting:
		return 0
	case strings.HasPrefix(chain, prefixSEP):
		return 1
	case strings.HasPrefix(chain, prefixSVC), strings.HasPrefix(chain, prefixSVL):
		return 2
	case strings.HasPrefix(chain, prefixEXT):
		return 3
	case chain == ChainServices:
		return 5
	}
	return 4
}

// tableBatches writes the batches of one table to buf, appending their
// end offsets to ends.
func tableBatches(buf *bytes.Buffer, ends []int, table string, write []*Chain, del []string, maxLines int) []int {
	if len(write) == 0 && len(del) == 0 {
		return ends
	}
	if len(write) == 0 {
		batch(buf, table, nil, del)
		return append(ends, buf.Len())
	}
	for len(write) > 0 {
		n, lines := 0, 0
		for n < len(write) && (maxLines <= 0 || n == 0 || lines+write[n].Len() <= maxLines) {
			lines += write[n].Len()
			n++
		}
		var d []string
		if n == len(write) {
			d = del
		}
		batch(buf, table, write[:n], d)
		ends = append(ends, buf.Len())
		write = write[n:]
	}
	return ends
}

func batch(buf *bytes.Buffer, table string, write []*Chain, del []string) {
	buf.WriteString("*" + table + "\n")
	for _, c := range write {
		buf.WriteString(":" + c.Name + " - [0:0]\n")
	}
	for _, name := range del {
		buf.WriteString(":" + name + " - [0:0]\n")
	}
	for _, c := range write {
		for _, r := range c.Rules {
			buf.WriteString("-A " + c.Name + " " + r + "\n")
		}
	}
	for _, name := range del {
		buf.WriteString("-X " + name + "\n")
	}
	buf.WriteString("COMMIT\n")
}

// samePortRules reports whether a and b have equal chains in table: the
// same portRules when both came from one Renderer, else compared by content.
func samePortRules(a, b *portRules, table int) bool {
	if a == b || a == nil || b == nil {
		return a == b
	}
	ca, cb := a.tables.Tables()[table].Chains, b.tables.Tables()[table].Chains
	return slices.EqualFunc(ca, cb, func(x, y *Chain) bool { return x.Name == y.Name && chainEqual(x, y) })
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
