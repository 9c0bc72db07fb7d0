package plan

import (
	"fmt"
	"iter"
	"slices"
)

// Txn is one kernel transaction. The Syncer applies its parts in this
// order, so that nothing is referenced before it exists or deleted while
// referenced: Sets (created if missing), Chains (created, flushed if they
// exist, rules added), DelBackends, AddBackends, DelElems, AddElems
// (shared maps), DelChains flushed, DelSets deleted, DelChains deleted.
type Txn struct {
	Sets        []string
	Chains      []ChainWrite
	DelBackends []BackendKey
	AddBackends []Backend
	DelElems    []Elem
	AddElems    []Elem
	DelChains   []string
	DelSets     []string
	// Ports is the number of service ports the transaction writes or
	// deletes.
	Ports int
}

func (t *Txn) empty() bool {
	return len(t.Sets)+len(t.Chains)+len(t.DelBackends)+len(t.AddBackends)+len(t.DelElems)+len(t.AddElems)+
		len(t.DelChains)+len(t.DelSets) == 0
}

// Summary is a one-line description of a transaction for logs and errors.
func (t *Txn) Summary() string {
	return fmt.Sprintf("ports=%d sets=%d chains=%d delBackends=%d addBackends=%d delElems=%d addElems=%d delChains=%d delSets=%d",
		t.Ports, len(t.Sets), len(t.Chains), len(t.DelBackends), len(t.AddBackends), len(t.DelElems), len(t.AddElems),
		len(t.DelChains), len(t.DelSets))
}

// ChainWrite is a chain to write; Exists is false when the kernel is
// known not to have it, so that it need not be flushed (a message less).
type ChainWrite struct {
	*Chain
	Exists bool
}

// Stale is what a full sync found in the kernel's table beyond the fixed
// objects: the per-service chains and sets and the backends (the shared
// maps' other elements go into the ElemTable, see ElemTable.SetKernel).
// Diff deletes from it what cur has.
type Stale struct {
	Chains, Sets map[string]bool
	Backends     map[BackendKey]bool
}

// NewStale returns an empty Stale.
func NewStale() *Stale {
	return &Stale{Chains: map[string]bool{}, Sets: map[string]bool{}, Backends: map[BackendKey]bool{}}
}

// change is a port added (old nil), changed, or removed (cur nil).
type change struct{ old, cur *Port }

// Diff returns the transactions from prev (nil: a full sync over what
// stale and tbl hold) to cur, of at most batchPorts changed ports each (0: one
// transaction), then for a full sync one deleting what is stale. It
// generates each transaction's objects when it is pulled, so only one
// transaction is in memory at a time. tbl is the shared maps' element
// table matching prev (a new one for a full sync); Diff updates it to cur
// as it goes, assuming each transaction it yields is applied (after a
// failure, sync fully with a new table).
func Diff(prev, cur *State, stale *Stale, tbl *ElemTable, batchPorts int) iter.Seq[*Txn] {
	return func(yield func(*Txn) bool) {
		d := &differ{prev: prev, cur: cur, tbl: tbl}
		if prev == nil {
			tbl.presize(cur)
			d.track(stale)
		}
		changes := portChanges(prev, cur)
		for len(changes) > 0 {
			n := len(changes)
			if batchPorts > 0 {
				n = min(n, batchPorts)
			}
			if t := d.txn(changes[:n]); !t.empty() && !yield(t) {
				return
			}
			changes = changes[n:]
		}
		if prev == nil && stale != nil {
			if t := d.staleTxn(); !t.empty() {
				yield(t)
			}
		}
	}
}

// differ is one Diff's state. In a full sync it tracks what the kernel
// holds and no port of cur has generated so far: what is left is stale.
type differ struct {
	prev, cur    *State
	tbl          *ElemTable
	chains, sets map[string]bool
	backends     map[BackendKey]bool
}

func (d *differ) track(stale *Stale) {
	if stale != nil {
		d.chains, d.sets, d.backends = stale.Chains, stale.Sets, stale.Backends
	}
}

// txn is the transaction of changes.
func (d *differ) txn(changes []change) *Txn {
	t := &Txn{Ports: len(changes)}
	var touched []ElemKey
	for _, ch := range changes {
		old, cur := &Objects{}, &Objects{}
		if ch.old != nil {
			old = d.prev.Objects(ch.old)
			touched = d.tbl.release(ch.old, old, touched)
		}
		if ch.cur != nil {
			cur = d.cur.Objects(ch.cur)
			touched = d.tbl.claim(ch.cur, cur, touched)
		}
		t.addChange(old, cur, d.exists)
		d.seen(cur)
		if ch.old == nil && d.backends != nil {
			t.rewriteBackends(cur, d.backends)
		}
	}
	t.DelElems, t.AddElems = d.tbl.resolve(touched)
	slices.SortStableFunc(t.DelChains, func(a, b string) int { return rank(b) - rank(a) })
	return t
}

// exists reports whether the kernel may have chain name although old,
// what prev generated, lacks it: in a full sync whether the listing had
// it (nil: unknown), otherwise no.
func (d *differ) exists(name string) bool {
	return d.prev == nil && (d.chains == nil || d.chains[name])
}

// seen records that cur's chains and sets are not stale.
func (d *differ) seen(cur *Objects) {
	if d.chains == nil {
		return
	}
	for i := range cur.Chains {
		delete(d.chains, cur.Chains[i].Name)
	}
	for _, s := range cur.Sets {
		delete(d.sets, s)
	}
}

// rewriteBackends deletes before adding the backends of cur that the
// kernel holds with unknown values (a full sync).
func (t *Txn) rewriteBackends(cur *Objects, kernel map[BackendKey]bool) {
	for i := range cur.Backends {
		k := cur.Backends[i].Key()
		if kernel[k] {
			t.DelBackends = append(t.DelBackends, k)
			delete(kernel, k)
		}
	}
}

// staleTxn deletes what the kernel has and cur has not.
func (d *differ) staleTxn() *Txn {
	t := &Txn{DelElems: d.tbl.orphans()}
	for c := range d.chains {
		t.DelChains = append(t.DelChains, c)
	}
	for s := range d.sets {
		t.DelSets = append(t.DelSets, s)
	}
	for k := range d.backends {
		t.DelBackends = append(t.DelBackends, k)
	}
	slices.Sort(t.DelSets)
	slices.Sort(t.DelChains)
	slices.SortStableFunc(t.DelChains, func(a, b string) int { return rank(b) - rank(a) })
	return t
}

// portChanges returns the ports of cur that are new or differ from prev's
// (all when prev is nil), then the ports of prev that cur lacks. Ports
// are compared by identity: the Generator reuses unchanged ones.
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
		if op != p {
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

// addChange adds the writes and deletions that turn old into cur to t
// (the shared maps' elements excepted).
func (t *Txn) addChange(old, cur *Objects, exists func(chain string) bool) {
	for _, s := range cur.Sets {
		if !slices.Contains(old.Sets, s) {
			t.Sets = append(t.Sets, s)
		}
	}
	for i := range cur.Chains {
		c := &cur.Chains[i]
		k := slices.IndexFunc(old.Chains, func(o Chain) bool { return o.Name == c.Name })
		if k < 0 || !slices.Equal(old.Chains[k].Rules, c.Rules) {
			t.Chains = append(t.Chains, ChainWrite{c, k >= 0 || exists(c.Name)})
		}
	}
	for _, c := range old.Chains {
		if !slices.ContainsFunc(cur.Chains, func(o Chain) bool { return o.Name == c.Name }) {
			t.DelChains = append(t.DelChains, c.Name)
		}
	}
	for _, s := range old.Sets {
		if !slices.Contains(cur.Sets, s) {
			t.DelSets = append(t.DelSets, s)
		}
	}
	t.addBackends(old.Backends, cur.Backends)
}

// addBackends writes the backends of cur that old lacks or has with
// another value, and deletes those of old that cur lacks.
func (t *Txn) addBackends(old, cur []Backend) {
	for _, b := range cur {
		k := slices.IndexFunc(old, func(o Backend) bool { return o.Map == b.Map && o.Name == b.Name && o.Index == b.Index })
		switch {
		case k < 0:
		case old[k] == b:
			continue
		default:
			t.DelBackends = append(t.DelBackends, b.Key())
		}
		t.AddBackends = append(t.AddBackends, b)
	}
	for _, o := range old {
		if !slices.ContainsFunc(cur, func(b Backend) bool { return o.Map == b.Map && o.Name == b.Name && o.Index == b.Index }) {
			t.DelBackends = append(t.DelBackends, o.Key())
		}
	}
}
