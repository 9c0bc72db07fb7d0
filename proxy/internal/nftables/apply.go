package nftables

import (
	"fmt"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
)

// compiled is a Txn encoded for netlink, so that nothing fails once
// messages are queued (the Conn cannot take back a queued message).
type compiled struct {
	maps     []*nftables.Set
	mapElems [][]nftables.SetElement
	rules    [][][]expr.Any // per chain of Txn.Chains
	del, add [numGlobals][]nftables.SetElement
}

func (s *Syncer) compile(t *Txn) (*compiled, error) {
	out := &compiled{}
	for _, m := range t.Maps {
		set, els, err := lbSet(s.table, m)
		if err != nil {
			return nil, fmt.Errorf("map %s: %w", m.Name, err)
		}
		out.maps, out.mapElems = append(out.maps, set), append(out.mapElems, els)
	}
	for _, ch := range t.Chains {
		rs := make([][]expr.Any, len(ch.Rules))
		for i := range ch.Rules {
			var err error
			if rs[i], err = ruleExprs(&ch.Rules[i]); err != nil {
				return nil, fmt.Errorf("chain %s rule %q: %w", ch.Name, ch.Rules[i], err)
			}
		}
		out.rules = append(out.rules, rs)
	}
	for _, x := range []struct {
		elems []Elem
		to    *[numGlobals][]nftables.SetElement
	}{{t.DelElems, &out.del}, {t.AddElems, &out.add}} {
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

// apply sends t as one transaction (see Txn for the order).
func (s *Syncer) apply(t *Txn) error {
	ct, err := s.compile(t)
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

func (s *Syncer) queue(t *Txn, ct *compiled) error {
	c, tb := s.conn, s.table
	for i, set := range ct.maps {
		if err := c.AddSet(set, nil); err != nil {
			return fmt.Errorf("map %s: %w", set.Name, err)
		}
		c.FlushSet(set)
		if !t.Maps[i].Verdict {
			if err := c.SetAddElements(set, ct.mapElems[i]); err != nil {
				return fmt.Errorf("map %s: %w", set.Name, err)
			}
		}
	}
	for _, name := range t.Sets {
		if err := c.AddSet(affinitySet(tb, name), nil); err != nil {
			return fmt.Errorf("set %s: %w", name, err)
		}
	}
	for i, ch := range t.Chains {
		nc := c.AddChain(&nftables.Chain{Name: ch.Name, Table: tb})
		c.FlushChain(nc)
		for _, exprs := range ct.rules[i] {
			c.AddRule(&nftables.Rule{Table: tb, Chain: nc, Exprs: exprs})
		}
	}
	for i, set := range ct.maps { // their gotos need the chains
		if t.Maps[i].Verdict {
			if err := c.SetAddElements(set, ct.mapElems[i]); err != nil {
				return fmt.Errorf("map %s: %w", set.Name, err)
			}
		}
	}
	for _, x := range []struct {
		els *[numGlobals][]nftables.SetElement
		op  func(*nftables.Set, []nftables.SetElement) error
	}{{&ct.del, c.SetDeleteElements}, {&ct.add, c.SetAddElements}} {
		for g, els := range x.els {
			if len(els) == 0 {
				continue
			}
			if err := x.op(globalSet(tb, Global(g)), els); err != nil {
				return fmt.Errorf("elements of %s: %w", Global(g).Name(), err)
			}
		}
	}
	// Flushing drops the chains' references to maps, deleting the maps
	// (verdict maps included) drops their gotos to chains.
	for _, name := range t.DelChains {
		c.FlushChain(&nftables.Chain{Name: name, Table: tb})
	}
	for _, name := range t.DelMaps {
		c.DelSet(&nftables.Set{Name: name, Table: tb})
	}
	for _, name := range t.DelChains {
		c.DelChain(&nftables.Chain{Name: name, Table: tb})
	}
	return nil
}
