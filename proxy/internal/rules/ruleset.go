package rules

import (
	"bytes"
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

// Lookup returns the named chain or nil.
func (t *Table) Lookup(name string) *Chain {
	if t.index == nil && len(t.Chains) <= smallTable {
		for _, c := range t.Chains {
			if c.Name == name {
				return c
			}
		}
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
			n += len(c.Rules)
		}
	}
	return n
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
	b := rs.Batches(prev, stale, 0)
	if len(b) == 0 {
		return nil
	}
	return bytes.Join(b, nil)
}

// Batches is Diff split into transactions of at most about maxLines rule
// lines each (0 = no limit), for backends whose restore cost grows faster
// than linearly with its input (iptables-nft --noflush). A chain is never
// split. Chains are written leaves first (KUBE-MARK-MASQ, SEP, SVC/SVL, EXT,
// then KUBE-NODEPORTS and KUBE-SERVICES), so every batch leaves the kernel
// consistent: a chain is only referenced once its new rules are in, and stale
// chains are deleted in the last batch of their table.
func (rs *Ruleset) Batches(prev *Ruleset, stale map[string][]string, maxLines int) [][]byte {
	var out [][]byte
	for i, t := range rs.Tables() {
		var write []*Chain
		var del []string
		switch {
		case prev == nil:
			write, del = tableChanges(t, nil, true, stale[t.Name])
		case rs.ports != nil && prev.ports != nil && len(stale[t.Name]) == 0:
			write, del = portChanges(rs, prev, i)
		default:
			write, del = tableChanges(t, prev.table(t.Name), false, stale[t.Name])
		}
		out = append(out, tableBatches(t.Name, write, del, maxLines)...)
	}
	return out
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

func tableBatches(table string, write []*Chain, del []string, maxLines int) [][]byte {
	if len(write) == 0 && len(del) == 0 {
		return nil
	}
	var out [][]byte
	for len(write) > 0 {
		n, lines := 0, 0
		for n < len(write) && (maxLines <= 0 || n == 0 || lines+len(write[n].Rules) <= maxLines) {
			lines += len(write[n].Rules)
			n++
		}
		var d []string
		if n == len(write) {
			d = del
		}
		out = append(out, batch(table, write[:n], d))
		write = write[n:]
	}
	if len(out) == 0 {
		out = append(out, batch(table, nil, del))
	}
	return out
}

func batch(table string, write []*Chain, del []string) []byte {
	var buf bytes.Buffer
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
	return buf.Bytes()
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

func chainEqual(a, b *Chain) bool {
	return a == b || b != nil && slices.Equal(a.Rules, b.Rules)
}
