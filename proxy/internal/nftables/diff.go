package nftables

import (
	"cmp"
	"fmt"
	"slices"
)

// Txn is one kernel transaction. The Syncer applies its parts in this
// order, so that nothing is referenced before it exists or deleted while
// referenced: Maps (created if missing, flushed, filled unless verdict
// maps), Sets (created if missing), Chains (created if missing, flushed,
// rules added), the verdict Maps' elements, DelElems, AddElems (shared
// maps), DelChains flushed, DelMaps (maps and sets) deleted, DelChains
// deleted.
type Txn struct {
	Maps      []*LBMap
	Sets      []string
	Chains    []*Chain
	DelElems  []Elem
	AddElems  []Elem
	DelChains []string
	DelMaps   []string
	ports     int
}

func (t *Txn) empty() bool {
	return len(t.Maps)+len(t.Sets)+len(t.Chains)+len(t.DelElems)+len(t.AddElems)+len(t.DelChains)+len(t.DelMaps) == 0
}

// Summary is a one-line description of a transaction for logs and errors.
func (t *Txn) Summary() string {
	return fmt.Sprintf("ports=%d maps=%d sets=%d chains=%d delElems=%d addElems=%d delChains=%d delMaps=%d",
		t.ports, len(t.Maps), len(t.Sets), len(t.Chains), len(t.DelElems), len(t.AddElems), len(t.DelChains), len(t.DelMaps))
}

// Plan is the transactions that turn one State into another.
type Plan struct {
	Txns []Txn
	// Ports is the number of service ports added, changed or removed.
	Ports int
}

// Empty reports whether the kernel is already up to date.
func (p *Plan) Empty() bool { return len(p.Txns) == 0 }

// Stale is what a full sync found in the kernel's table beyond the fixed
// objects: the per-service chains and sets (maps included), and the
// elements of the shared maps.
type Stale struct {
	Chains, Sets []string
	Elems        []Elem
}

// change is a port added (old nil), changed, or removed (cur nil).
type change struct{ old, cur *Port }

// Diff returns the plan from prev (nil: a full sync over what stale lists)
// to cur, in transactions of at most about batchPorts changed ports
// (0: one). tbl is the shared maps' element table matching prev (a new
// one for a full sync); Diff updates it to cur, assuming the plan is
// applied (after a failure, sync fully with a new table).
func Diff(prev, cur *State, stale *Stale, tbl *ElemTable, batchPorts int) *Plan {
	if prev == nil {
		tbl.presize(cur)
		if stale != nil {
			for _, e := range stale.Elems {
				tbl.setKernel(e.ElemKey, e.ElemVal)
			}
		}
	}
	changes := portChanges(prev, cur)
	plan := &Plan{Ports: len(changes)}
	for len(changes) > 0 {
		n := len(changes)
		if batchPorts > 0 {
			n = min(n, batchPorts)
		}
		txn := Txn{ports: n}
		var touched []ElemKey
		for _, ch := range changes[:n] {
			touched = txn.addChange(ch, tbl, touched)
		}
		txn.DelElems, txn.AddElems = tbl.resolve(touched)
		plan.add(txn)
		changes = changes[n:]
	}
	if prev == nil && stale != nil {
		plan.add(staleTxn(cur, stale, tbl))
	}
	return plan
}

// portChanges returns the ports of cur that are new or differ from prev's
// (all when prev is nil), then the ports of prev that cur lacks.
func portChanges(prev, cur *State) []change {
	var changes []change
	kept := 0 // ports of prev that cur has
	for i, p := range cur.Ports {
		var op *Port
		switch {
		case prev == nil:
		case i < len(prev.Ports) && prev.Ports[i].Key() == p.Key(): // no map lookup
			op = prev.Ports[i]
		default:
			op = prev.Lookup(p.Key())
		}
		if op != nil {
			kept++
		}
		if op != p && (op == nil || !op.equal(p)) {
			changes = append(changes, change{op, p})
		}
	}
	if prev != nil && kept < len(prev.Ports) {
		for _, op := range prev.Ports {
			if cur.Lookup(op.Key()) == nil {
				changes = append(changes, change{op, nil})
			}
		}
	}
	return changes
}

func (p *Plan) add(t Txn) {
	if t.empty() {
		return
	}
	slices.SortStableFunc(t.DelChains, func(a, b string) int { return rank(b) - rank(a) })
	p.Txns = append(p.Txns, t)
}

// addChange adds the writes and deletions of one port change to t and
// returns touched with the shared map keys it claimed or released.
func (t *Txn) addChange(ch change, tbl *ElemTable, touched []ElemKey) []ElemKey {
	old, cur := ch.old, ch.cur
	if old == nil {
		old = &Port{}
	}
	if cur == nil {
		cur = &Port{sp: old.sp}
	}
	for i := range cur.Maps {
		m := &cur.Maps[i]
		if k := slices.IndexFunc(old.Maps, func(o LBMap) bool { return o.Name == m.Name }); k < 0 || !old.Maps[k].equal(m) {
			t.Maps = append(t.Maps, m)
		}
	}
	for _, s := range cur.Sets {
		if !slices.Contains(old.Sets, s) {
			t.Sets = append(t.Sets, s)
		}
	}
	for i := range cur.Chains {
		c := &cur.Chains[i]
		k := slices.IndexFunc(old.Chains, func(o Chain) bool { return o.Name == c.Name })
		if k < 0 || !slices.Equal(old.Chains[k].Rules, c.Rules) {
			t.Chains = append(t.Chains, c)
		}
	}
	for _, c := range old.Chains {
		if !slices.ContainsFunc(cur.Chains, func(o Chain) bool { return o.Name == c.Name }) {
			t.DelChains = append(t.DelChains, c.Name)
		}
	}
	for _, m := range old.Maps {
		if !slices.ContainsFunc(cur.Maps, func(o LBMap) bool { return o.Name == m.Name }) {
			t.DelMaps = append(t.DelMaps, m.Name)
		}
	}
	for _, s := range old.Sets {
		if !slices.Contains(cur.Sets, s) {
			t.DelMaps = append(t.DelMaps, s)
		}
	}
	if ch.old != nil {
		touched = tbl.release(ch.old, touched)
	}
	if ch.cur != nil {
		touched = tbl.claim(ch.cur, touched)
	}
	return touched
}

// staleTxn deletes what the kernel has and cur has not.
func staleTxn(cur *State, stale *Stale, tbl *ElemTable) Txn {
	var t Txn
	t.DelElems = tbl.orphans()
	chains, sets := map[string]bool{}, map[string]bool{}
	for _, p := range cur.Ports {
		for _, c := range p.Chains {
			chains[c.Name] = true
		}
		for _, m := range p.Maps {
			sets[m.Name] = true
		}
		for _, s := range p.Sets {
			sets[s] = true
		}
	}
	for _, c := range stale.Chains {
		if !chains[c] && !fixedChain(c) {
			t.DelChains = append(t.DelChains, c)
		}
	}
	for _, s := range stale.Sets {
		if !sets[s] && !fixedSet(s) {
			t.DelMaps = append(t.DelMaps, s)
		}
	}
	return t
}

// ElemTable resolves the shared maps' elements over all ports (a key
// several ports claim takes the first claim's value) and tracks what the
// kernel holds, so that a sync writes only the keys whose value changed.
// At 10k services of 5 endpoints it holds 60k keys, 50k of them hairpin
// elements, which are only counted.
type ElemTable struct {
	elems    map[ElemKey]elemState
	hairpins map[string]hairpinState // by endpoint IP
	inKernel int
}

// elemState is one key: its claims, first first, and the kernel's value.
type elemState struct {
	first    claim // owner nil: no claim
	more     []claim
	kernel   ElemVal
	inKernel bool
}

// claim is a port's value for a key. Ports are compared by identity: a
// port releases the claims it made (see Diff).
type claim struct {
	owner *Port
	val   ElemVal
}

// hairpinState is one hairpin element: how many ports claim it.
type hairpinState struct {
	refs     int32
	inKernel bool
}

// NewElemTable returns an empty table (nothing claimed, nothing in the
// kernel).
func NewElemTable() *ElemTable {
	return &ElemTable{elems: map[ElemKey]elemState{}, hairpins: map[string]hairpinState{}}
}

// Len is the number of elements in the kernel's shared maps.
func (t *ElemTable) Len() int { return t.inKernel }

func (t *ElemTable) setKernel(k ElemKey, v ElemVal) {
	if k.Map == Hairpin {
		if h := t.hairpins[k.IP]; !h.inKernel {
			h.inKernel = true
			t.hairpins[k.IP] = h
			t.inKernel++
		}
		return
	}
	e := t.elems[k]
	if !e.inKernel {
		t.inKernel++
	}
	e.kernel, e.inKernel = v, true
	t.elems[k] = e
}

func (t *ElemTable) claim(p *Port, touched []ElemKey) []ElemKey {
	for _, el := range p.Elems {
		touched = append(touched, el.ElemKey)
		if el.Map == Hairpin {
			h := t.hairpins[el.IP]
			h.refs++
			t.hairpins[el.IP] = h
			continue
		}
		e := t.elems[el.ElemKey]
		if c := (claim{p, el.ElemVal}); e.first.owner == nil {
			e.first = c
		} else {
			e.more = append(e.more, c)
		}
		t.elems[el.ElemKey] = e
	}
	return touched
}

func (t *ElemTable) release(p *Port, touched []ElemKey) []ElemKey {
	for _, el := range p.Elems {
		touched = append(touched, el.ElemKey)
		if el.Map == Hairpin {
			h := t.hairpins[el.IP]
			h.refs--
			t.hairpins[el.IP] = h
			continue
		}
		e := t.elems[el.ElemKey]
		e.more = slices.DeleteFunc(e.more, func(c claim) bool { return c.owner == p })
		if e.first.owner == p {
			e.first = claim{}
			if len(e.more) > 0 {
				e.first, e.more = e.more[0], e.more[1:]
			}
		}
		t.elems[el.ElemKey] = e
	}
	return touched
}

// presize makes an empty table's maps as large as cur needs (60k keys at
// 10k services), so that a full sync does not grow them step by step.
func (t *ElemTable) presize(cur *State) {
	if len(t.elems)+len(t.hairpins) > 0 {
		return
	}
	n, h := 0, 0
	for _, p := range cur.Ports {
		for i := range p.Elems {
			if p.Elems[i].Map == Hairpin {
				h++
			} else {
				n++
			}
		}
	}
	t.elems, t.hairpins = make(map[ElemKey]elemState, n), make(map[string]hairpinState, h)
}

// resolveHairpin is resolve for one hairpin key.
func (t *ElemTable) resolveHairpin(k ElemKey) (del, add bool) {
	h := t.hairpins[k.IP]
	switch {
	case h.refs > 0 && !h.inKernel:
		add, h.inKernel = true, true
		t.inKernel++
	case h.refs <= 0 && h.inKernel:
		del = true
		t.inKernel--
	}
	if h.refs <= 0 {
		delete(t.hairpins, k.IP)
	} else {
		t.hairpins[k.IP] = h
	}
	return del, add
}

// resolve returns the elements of touched keys to delete from and add to
// the kernel (a changed value is both) and records them as applied.
func (t *ElemTable) resolve(touched []ElemKey) (del, add []Elem) {
	slices.SortFunc(touched, compareKeys)
	touched = slices.Compact(touched)
	for _, k := range touched {
		if k.Map == Hairpin {
			switch d, a := t.resolveHairpin(k); {
			case d:
				del = append(del, Elem{ElemKey: k})
			case a:
				add = append(add, Elem{ElemKey: k})
			}
			continue
		}
		e := t.elems[k]
		claimed := e.first.owner != nil
		switch {
		case !claimed && e.inKernel:
			del = append(del, Elem{k, e.kernel})
			t.inKernel--
		case claimed && (!e.inKernel || e.kernel != e.first.val):
			if e.inKernel {
				del = append(del, Elem{k, e.kernel})
			} else {
				t.inKernel++
			}
			add = append(add, Elem{k, e.first.val})
			e.kernel, e.inKernel = e.first.val, true
		}
		if !claimed {
			delete(t.elems, k)
		} else {
			t.elems[k] = e
		}
	}
	return del, add
}

// orphans removes and returns the kernel's elements nobody claims.
func (t *ElemTable) orphans() []Elem {
	var out []Elem
	for k, e := range t.elems {
		if e.first.owner == nil {
			if e.inKernel {
				out = append(out, Elem{k, e.kernel})
				t.inKernel--
			}
			delete(t.elems, k)
		}
	}
	for ip, h := range t.hairpins {
		if h.refs <= 0 {
			if h.inKernel {
				out = append(out, Elem{ElemKey: ElemKey{Map: Hairpin, IP: ip}})
				t.inKernel--
			}
			delete(t.hairpins, ip)
		}
	}
	slices.SortFunc(out, func(a, b Elem) int { return compareKeys(a.ElemKey, b.ElemKey) })
	return out
}

func compareKeys(a, b ElemKey) int {
	return cmp.Or(cmp.Compare(a.Map, b.Map), cmp.Compare(a.IP, b.IP), cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.Port, b.Port))
}
