package plan

import (
	"cmp"
	"slices"
)

// ElemTable resolves the shared maps' elements over all ports (a key
// several ports claim takes the first claim's value) and tracks what the
// kernel holds, so that a sync writes only the keys whose value changed.
// At 10k services of 5 endpoints it holds 60k keys, 50k of them hairpin
// elements, which are only counted. The per-port load-balancing elements
// (Backends) are not in it: one port owns each of them.
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

// NewElemTableFor returns an empty table presized for cur (60k keys at
// 10k services), so that a full sync does not grow it step by step.
func NewElemTableFor(cur *State) *ElemTable {
	t := NewElemTable()
	t.presize(cur)
	return t
}

// SetKernel records that the kernel holds key k with value v (a full
// sync's listing, before Diff).
func (t *ElemTable) SetKernel(k ElemKey, v ElemVal) {
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

func (t *ElemTable) claim(p *Port, o *Objects, touched []ElemKey) []ElemKey {
	for _, el := range o.Elems {
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

func (t *ElemTable) release(p *Port, o *Objects, touched []ElemKey) []ElemKey {
	for _, el := range o.Elems {
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
		n += 1 + len(p.sp.ExternalIPs)
		if p.sp.NodePort > 0 {
			n++
		}
		h += len(p.sp.Endpoints)
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
