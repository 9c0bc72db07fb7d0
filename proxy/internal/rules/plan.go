package rules

import (
	"bufio"
	"io"
	"slices"
	"strings"
)

// Plan is the iptables-restore --noflush input that turns one ruleset into
// another, as transactions (batches) of chain names: it holds no rule
// text. WriteTo streams the text, rendering the chains of compacted ports
// again one port at a time, so a full sync of 10k services never holds
// the whole input (or the whole ruleset's text) in memory. A Plan is valid
// until its ruleset is compacted.
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

// item is one chain to write; pr is the port owning a per-service chain
// (nil for fixed chains), whose text is rendered again if compacted.
type item struct {
	c  *Chain
	pr *portRules
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
			p.lines += it.c.Len()
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
		op := prev.ports[pr.key]
		if op != nil {
			kept++
		}
		if op != pr {
			changed = append(changed, portChange{pr, op})
		}
	}
	if len(prev.order) > kept { // else no port was removed
		for _, op := range prev.order {
			if rs.ports[op.key] == nil {
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
	// fixedChains creates every fixed chain first, before merge appends
	// the per-service ones.
	for _, c := range rs.Tables()[i].Chains {
		if IsHashed(c.Name) {
			break
		}
		if pt == nil || !chainEqual(c, pt.Lookup(c.Name)) {
			fixed = append(fixed, item{c: c})
		}
	}
	slices.SortStableFunc(fixed, func(a, b item) int { return rank(a.c.Name) - rank(b.c.Name) })
	n := 0
	for n < len(fixed) && rank(fixed[n].c.Name) == 0 {
		n++
	}
	write = append(write, fixed[:n]...)
	for _, ch := range changed {
		if samePortRules(ch.old, ch.cur, i) {
			continue
		}
		var old *Table // the port's chains in prev, nil: all new
		if ch.old != nil {
			old = ch.old.tables.Tables()[i]
		}
		start := len(write)
		for _, c := range ch.cur.tables.Tables()[i].Chains {
			if IsHashed(c.Name) && (old == nil || !chainEqual(c, old.Lookup(c.Name))) {
				write = append(write, item{c: c, pr: ch.cur})
			}
		}
		slices.SortStableFunc(write[start:], func(a, b item) int { return rank(a.c.Name) - rank(b.c.Name) })
	}
	return append(write, fixed[n:]...)
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
		for _, c := range old.tables.Tables()[i].Chains {
			if IsHashed(c.Name) && (cur == nil || cur.tables.Tables()[i].Lookup(c.Name) == nil) {
				del = append(del, c.Name)
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
	t, seen := rs.Tables()[i], map[string]bool{}
	for _, name := range del {
		seen[name] = true
	}
	for _, name := range stale {
		if !seen[name] && IsHashed(name) && t.Lookup(name) == nil {
			seen[name] = true
			del = append(del, name)
		}
	}
	return del
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
		for n < len(write) && (maxLines <= 0 || n == 0 || lines+write[n].c.Len() <= maxLines) {
			lines += write[n].c.Len()
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
	for _, it := range b.write {
		w.str(":", it.c.Name, " - [0:0]\n")
	}
	for _, name := range b.del {
		w.str(":", name, " - [0:0]\n")
	}
	for _, it := range b.write {
		for _, rule := range r.rules(it) {
			w.str("-A ", it.c.Name, " ", rule, "\n")
		}
	}
	for _, name := range b.del {
		w.str("-X ", name, "\n")
	}
	w.str("COMMIT\n")
}

// reRenderer gives the rules of plan items, rendering a compacted port
// again (once for its consecutive chains) without keeping the text.
type reRenderer struct {
	pr    *portRules
	fresh *Ruleset
}

func (r *reRenderer) rules(it item) []string {
	if !it.c.compacted {
		return it.c.Rules
	}
	if r.pr != it.pr {
		r.pr, r.fresh = it.pr, renderPort(&it.pr.sp, it.pr.clusterCIDR)
	}
	if c := r.fresh.NAT.Lookup(it.c.Name); c != nil {
		return c.Rules
	}
	return r.fresh.Filter.Lookup(it.c.Name).Rules
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
