package nftables

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"

	"github.com/wharfhq/wharf/proxy/internal/nftables/plan"
)

// compiled is a Txn encoded for netlink, so that nothing fails once
// messages are queued (the Conn cannot take back a queued message).
type compiled struct {
	rules              [][][]expr.Any // per chain of Txn.Chains
	delBack, addBack   map[shard][]nftables.SetElement
	delElems, addElems [plan.NumGlobals][]nftables.SetElement
}

func compile(t *plan.Txn) (*compiled, error) {
	out := &compiled{rules: make([][][]expr.Any, len(t.Chains)), delBack: map[shard][]nftables.SetElement{},
		addBack: map[shard][]nftables.SetElement{}}
	for k, ch := range t.Chains {
		rs := make([][]expr.Any, len(ch.Rules))
		for i := range ch.Rules {
			var err error
			if rs[i], err = ruleExprs(&ch.Rules[i]); err != nil {
				return nil, fmt.Errorf("chain %s rule %q: %w", ch.Name, ch.Rules[i], err)
			}
		}
		out.rules[k] = rs
	}
	for _, k := range t.DelBackends {
		sh := shard{k.Map, k.ID % lbShards}
		out.delBack[sh] = append(out.delBack[sh], nftables.SetElement{Key: backendKey(k)})
	}
	for i := range t.AddBackends {
		b := &t.AddBackends[i]
		el, err := backendElem(b)
		if err != nil {
			return nil, fmt.Errorf("element %s of %s: %w", b, b.Map.Name(), err)
		}
		sh := shard{b.Map, plan.LBID(b.Name) % lbShards}
		out.addBack[sh] = append(out.addBack[sh], el)
	}
	for _, x := range []struct {
		elems []plan.Elem
		to    *[plan.NumGlobals][]nftables.SetElement
	}{{t.DelElems, &out.delElems}, {t.AddElems, &out.addElems}} {
		for _, e := range x.elems {
			el, err := setElem(e)
			if err != nil {
				return nil, fmt.Errorf("element %s of %s: %w", e, e.Map.Name(), err)
			}
			x.to[e.Map] = append(x.to[e.Map], el)
		}
	}
	return out, nil
}

// elemsPerMessage bounds the elements of one netlink message: the
// kernel's element list is an attribute, whose length is 16 bits (64 KiB;
// an element is at most about 80 bytes).
const elemsPerMessage = 500

// apply sends t as one transaction (see plan.Txn for the order).
func (s *Syncer) apply(t *plan.Txn) error {
	ct, err := compile(t)
	if err == nil {
		err = s.queue(t, ct)
		// On a queueing error the Conn may hold part of t; Flush sends it
		// anyway and the caller makes the next sync a full one.
		if ferr := s.conn.Flush(); err == nil {
			err = ferr
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", t.Summary(), err)
	}
	return nil
}

// shard is one of the kernel maps of map g.
type shard struct {
	g plan.Global
	i uint64
}

// queueBackends queues op on the shards' elements, in shard order.
func (s *Syncer) queueBackends(els map[shard][]nftables.SetElement, op func(*nftables.Set, []nftables.SetElement) error) error {
	keys := slices.SortedFunc(maps.Keys(els), func(a, b shard) int { return cmp.Or(cmp.Compare(a.g, b.g), cmp.Compare(a.i, b.i)) })
	for _, sh := range keys {
		if err := queueElems(shardSet(s.table, sh.g, sh.i), els[sh], op); err != nil {
			return err
		}
	}
	return nil
}

// queueElems queues op on els in messages of at most elemsPerMessage.
func queueElems(set *nftables.Set, els []nftables.SetElement, op func(*nftables.Set, []nftables.SetElement) error) error {
	for chunk := range slices.Chunk(els, elemsPerMessage) {
		if err := op(set, chunk); err != nil {
			return fmt.Errorf("elements of %s: %w", set.Name, err)
		}
	}
	return nil
}

func (s *Syncer) queue(t *plan.Txn, ct *compiled) error {
	c, tb := s.conn, s.table
	for _, name := range t.Sets {
		if err := c.AddSet(affinitySet(tb, name), nil); err != nil {
			return fmt.Errorf("set %s: %w", name, err)
		}
	}
	for i, ch := range t.Chains {
		nc := c.AddChain(&nftables.Chain{Name: ch.Name, Table: tb})
		if ch.Exists {
			c.FlushChain(nc)
		}
		for _, exprs := range ct.rules[i] {
			c.AddRule(&nftables.Rule{Table: tb, Chain: nc, Exprs: exprs})
		}
	}
	// Elements after the chains their gotos need, deletions first: a
	// changed value is deleted and added again.
	if err := s.queueBackends(ct.delBack, c.SetDeleteElements); err != nil {
		return err
	}
	if err := s.queueBackends(ct.addBack, c.SetAddElements); err != nil {
		return err
	}
	for _, x := range []struct {
		els *[plan.NumGlobals][]nftables.SetElement
		op  func(*nftables.Set, []nftables.SetElement) error
	}{{&ct.delElems, c.SetDeleteElements}, {&ct.addElems, c.SetAddElements}} {
		for g, els := range x.els {
			if err := queueElems(globalSet(tb, plan.Global(g)), els, x.op); err != nil {
				return err
			}
		}
	}
	// Flushing drops the chains' references to sets, deleting the sets
	// drops nothing else's.
	for _, name := range t.DelChains {
		c.FlushChain(&nftables.Chain{Name: name, Table: tb})
	}
	for _, name := range t.DelSets {
		c.DelSet(&nftables.Set{Name: name, Table: tb})
	}
	for _, name := range t.DelChains {
		c.DelChain(&nftables.Chain{Name: name, Table: tb})
	}
	return nil
}
