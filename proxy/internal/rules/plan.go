package rules

import (
	"bufio"
	"io"
	"slices"
	"strings"
)

// Plan is the iptables-restore --noflush input that turns one ruleset into
// another, as transactions (batches) of chain names: it holds no rule
// text. WriteTo streams the text, rendering the per-service chains again
// one service port at a time, so a full sync of 10k services never holds
// the whole input (or the whole ruleset's text) in memory.
type Plan struct {
	batches []batchPlan
	lines   int
}

// batchPlan is one transaction: chains of one table to declare (flush)
// and rewrite, then chains to delete.
type batchPlan struct {
	table string
	write []item
	del   []string
}

// item is one chain to write: a fixed chain c, or chain k of port pr.
type item struct {
	c  *Chain
	pr *portRules
	k  int
}

func (it *item) name() string {
	if it.c != nil {
		return it.c.Name
	}
	return it.pr.chains[it.k].name
}

func (it *item) len() int {
	if it.c != nil {
		return it.c.Len()
	}
	return int(it.pr.chains[it.k].n)
}

// Plan returns the update from prev (nil: nothing is known, write all) to
// rs: it declares and rewrites the fixed chains and the per-service chains
// whose rules differ (looking only into ports that changed), and deletes the
// per-service chains that prev, or stale (table name -> chain names found
// in the kernel), have but rs has not. Batches hold at most about maxLines
// rule lines (0 = one per table); a chain is never split.
//
// Chains are written so that every batch leaves the kernel consistent (a
// chain is only referenced once its new rules are in): KUBE-MARK-MASQ and
// KUBE-POSTROUTING first, then port by port its KUBE-SEP, SVC/SVL and EXT
// chains, then KUBE-NODEPORTS and KUBE-SERVICES; stale chains are deleted
// in the last batch of their table.
func (rs *Ruleset) Plan(prev *Ruleset, stale map[string][]string, maxLines int) *Plan {
	p := &Plan{}
	changed, removed := rs.portDiff(prev)
	for i, t := range rs.Tables() {
		write := rs.changes(i, prev, changed)
		for _, it := range write {
			p.lines += it.len()
		}
		del := rs.deletions(i, changed, removed, stale[t.Name])
		p.batches = appendBatches(p.batches, t.Name, write, del, maxLines)
	}
	return p
}

// portChange is a port of rs that is not the same in prev: old is nil
// for a new port.
type portChange struct{ cur, old *portRules }

// portDiff returns the ports of rs that are new or changed since prev (all
// when prev is nil), in rs's order, and the ports of prev that rs lacks.
// Ports of one Renderer are compared by identity, others by content later.
func (rs *Ruleset) portDiff(prev *Ruleset) (changed []portChange, removed []*portRules) {
	if prev == nil {
		changed = make([]portChange, len(rs.order))
		for i, pr := range rs.order {
			changed[i].cur = pr
		}
		return changed, nil
	}
	kept := 0 // ports of prev that rs has, changed or not
	for _, pr := range rs.order {
		op := prev.ports[pr.key()]
		if op != nil {
			kept++
		}
		if op != pr {
			changed = append(changed, portChange{pr, op})
		}
	}
	if len(prev.order) > kept { // else no port was removed
		for _, op := range prev.order {
			if rs.ports[op.key()] == nil {
				removed = append(removed, op)
			}
		}
	}
	return changed, removed
}

// Empty reports whether the kernel is already up to date.
func (p *Plan) Empty() bool { return len(p.batches) == 0 }

// Batches is the number of transactions.
func (p *Plan) Batches() int { return len(p.batches) }

// Lines is the number of rule lines the plan writes.
func (p *Plan) Lines() int { return p.lines }

// changes returns the chains of table i to write, in writing order: the
// fixed chains that differ from prev's (ranked around the per-service
// ones) and the per-service chains of changed ports that differ.
func (rs *Ruleset) changes(i int, prev *Ruleset, changed []portChange) []item {
	var pt *Table
	if prev != nil {
		pt = prev.Tables()[i]
	}
	var fixed, write []item
	for _, c := range rs.Tables()[i].Chains { // the fixed chains
		if pt == nil || !chainEqual(c, pt.Lookup(c.Name)) {
			fixed = append(fixed, item{c: c})
		}
	}
	slices.SortStableFunc(fixed, func(a, b item) int { return rank(a.c.Name) - rank(b.c.Name) })
	n := 0
	for n < len(fixed) && rank(fixed[n].c.Name) == 0 {
		n++
	}
	size := len(fixed) // at most; a full sync writes tens of thousands
	for _, ch := range changed {
		size += len(ch.cur.chains)
	}
	write = append(make([]item, 0, size), fixed[:n]...)
	for _, ch := range changed {
		if samePortRules(ch.old, ch.cur, i) {
			continue
		}
		start := len(write)
		for k, c := range ch.cur.chains {
			if int(c.table) != i {
				continue
			}
			// ch.old == nil: all new
			if ch.old == nil || !ch.old.has(i, c) {
				write = append(write, item{pr: ch.cur, k: k})
			}
		}
		slices.SortStableFunc(write[start:], func(a, b item) int { return rank(a.name()) - rank(b.name()) })
	}
	return append(write, fixed[n:]...)
}

// has reports whether pr has chain c (same name, rules and table).
func (pr *portRules) has(table int, c chainSum) bool {
	k := pr.lookup(table, c.name)
	return k >= 0 && pr.chains[k] == c
}

// deletions returns the per-service chains in table i of changed ports'
// old versions, of removed ports and of stale that rs does not have.
func (rs *Ruleset) deletions(i int, changed []portChange, removed []*portRules, stale []string) []string {
	var del []string
	// A per-service chain name belongs to one port (its hash covers the
	// port's name and protocol), so only that port's new chains keep it.
	gone := func(cur, old *portRules) {
		if samePortRules(cur, old, i) {
			return
		}
		for _, c := range old.chains {
			if int(c.table) == i && (cur == nil || cur.lookup(i, c.name) < 0) {
				del = append(del, c.name)
			}
		}
	}
	for _, ch := range changed {
		if ch.old != nil {
			gone(ch.cur, ch.old)
		}
	}
	for _, op := range removed {
		gone(nil, op)
	}
	if len(stale) == 0 {
		return del
	}
	return append(del, rs.staleChains(i, del, stale)...)
}

// staleChains returns the per-service chains of stale that are neither in
// table (an index in Tables) of rs nor in del, each once, sorted.
func (rs *Ruleset) staleChains(table int, del, stale []string) []string {
	var out []string
	for _, name := range stale {
		if IsHashed(name) && !rs.hasChain(table, name) && !slices.Contains(del, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// HasChain reports whether rs has the named per-service chain in table
// ("filter" or "nat"). The first call builds an index that Compact drops.
func (rs *Ruleset) HasChain(table, name string) bool {
	for i, t := range rs.Tables() {
		if t.Name == table {
			return rs.hasChain(i, name)
		}
	}
	return false
}

// hasChain is HasChain for table index i. At 10k services a restart finds
// tens of thousands of our chains in the kernel: a sorted slice of the
// names (sharing the strings) costs a fraction of a map.
func (rs *Ruleset) hasChain(i int, name string) bool {
	if rs.names[i] == nil {
		n := 0
		for _, pr := range rs.order {
			n += len(pr.chains)
		}
		names := make([]string, 0, n)
		for _, pr := range rs.order {
			for k := range pr.chains {
				if int(pr.chains[k].table) == i {
					names = append(names, pr.chains[k].name)
				}
			}
		}
		slices.Sort(names)
		rs.names[i] = names
	}
	_, found := slices.BinarySearch(rs.names[i], name)
	return found
}

// appendBatches splits one table's changes into batches of about maxLines.
func appendBatches(out []batchPlan, table string, write []item, del []string, maxLines int) []batchPlan {
	if len(write) == 0 && len(del) == 0 {
		return out
	}
	if len(write) == 0 {
		return append(out, batchPlan{table: table, del: del})
	}
	for len(write) > 0 {
		n, lines := 0, 0
		for n < len(write) && (maxLines <= 0 || n == 0 || lines+write[n].len() <= maxLines) {
			lines += write[n].len()
			n++
		}
		b := batchPlan{table: table, write: write[:n:n]}
		if n == len(write) {
			b.del = del
		}
		out = append(out, b)
		write = write[n:]
	}
	return out
}

// WriteTo writes the plan as iptables-restore input, one COMMIT per batch.
func (p *Plan) WriteTo(w io.Writer) (int64, error) {
	bw := &countingWriter{w: bufio.NewWriterSize(w, 64<<10)}
	var r reRenderer
	for _, b := range p.batches {
		b.writeTo(bw, &r)
	}
	if bw.err == nil {
		bw.err = bw.w.Flush()
	}
	return bw.n, bw.err
}

func (b *batchPlan) writeTo(w *countingWriter, r *reRenderer) {
	w.str("*", b.table, "\n")
	for i := range b.write {
		w.str(":", b.write[i].name(), " - [0:0]\n")
	}
	for _, name := range b.del {
		w.str(":", name, " - [0:0]\n")
	}
	for i := range b.write {
		name := b.write[i].name()
		for _, rule := range r.rules(&b.write[i]) {
			w.str("-A ", name, " ", rule, "\n")
		}
	}
	for _, name := range b.del {
		w.str("-X ", name, "\n")
	}
	w.str("COMMIT\n")
}

// reRenderer gives the rules of plan items, rendering a port's text again
// (once for its consecutive chains) without keeping it.
type reRenderer struct {
	pr    *portRules
	fresh *Ruleset
}

func (r *reRenderer) rules(it *item) []string {
	if it.c != nil {
		return it.c.Rules
	}
	if r.pr != it.pr {
		r.pr, r.fresh = it.pr, renderPort(&it.pr.sp, it.pr.clusterCIDR, false)
	}
	c := r.fresh.Tables()[it.pr.chains[it.k].table].Lookup(it.name())
	if c == nil {
		panic("rules: port " + it.pr.sp.String() + " renders no chain " + it.name()) // broken invariant
	}
	return c.Rules
}

// countingWriter writes strings, counting bytes and keeping the first error.
type countingWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func (w *countingWriter) str(parts ...string) {
	for _, s := range parts {
		if w.err != nil {
			return
		}
		var n int
		n, w.err = w.w.WriteString(s)
		w.n += int64(n)
	}
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
