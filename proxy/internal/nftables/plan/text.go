package plan

import (
	"fmt"
	"strconv"
	"strings"
)

// String is r in nft syntax, close to what "nft list table" prints.
func (r Rule) String() string {
	var parts []string
	add := func(s ...string) { parts = append(parts, s...) }
	if r.DstIP != "" {
		add("ip daddr", r.DstIP)
	}
	if r.Proto != "" {
		add("meta l4proto", string(r.Proto))
	}
	if r.DPort != 0 {
		add("th dport", itoa(r.DPort))
	}
	if r.SrcCIDR != "" {
		op := "ip saddr"
		if r.SrcNot {
			op += " !="
		}
		add(op, r.SrcCIDR)
	}
	if r.SrcLocal {
		add("fib saddr type local")
	}
	if r.SrcInSet != "" {
		add("ip saddr @" + r.SrcInSet)
	}
	if r.UpdateSet != "" {
		add("update @"+r.UpdateSet, "{ ip saddr timeout", itoa(r.UpdateTimeout)+"s }")
	}
	if r.Mark {
		add("meta mark set meta mark | 0x4000")
	}
	if r.LBName != "" {
		if r.LBMap == Backends {
			add("dnat to", r.LBName, ". numgen random mod", itoa(r.Modulus), "map @"+r.LBMap.Name())
		} else {
			add(r.LBName, ". numgen random mod", itoa(r.Modulus), "vmap @"+r.LBMap.Name())
		}
	}
	if r.DNATIP != "" {
		add("dnat to", r.DNATIP+":"+itoa(r.DNATPort))
	}
	if r.Goto != "" {
		add("goto", r.Goto)
	}
	return strings.Join(parts, " ")
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

// String is e in nft element syntax: "key : verdict".
func (e Elem) String() string {
	var k string
	switch e.Map {
	case ServiceIPs, NoEndpointServices:
		k = fmt.Sprintf("%s . %s . %d", e.IP, e.Proto, e.Port)
	case NodePorts, NoEndpointNodePorts:
		k = fmt.Sprintf("%s . %d", e.Proto, e.Port)
	default:
		k = e.IP + " . " + e.IP
	}
	switch e.Verdict {
	case VerdictGoto:
		return k + " : goto " + e.Chain
	case VerdictReject:
		return k + " : goto " + ChainReject
	case VerdictDrop:
		return k + " : drop"
	}
	return k
}

// String is b in nft element syntax, with its rule's name for its ID.
func (b Backend) String() string {
	if b.Map == BackendChains {
		return fmt.Sprintf("%s . %d : goto %s", b.Name, b.Index, b.Chain)
	}
	return fmt.Sprintf("%s . %d : %s . %d", b.Name, b.Index, b.IP, b.Port)
}

// Dump is o as text, one line per set, chain rule and element, for tests
// and debugging.
func (o *Objects) Dump() string {
	var b strings.Builder
	for _, s := range o.Sets {
		fmt.Fprintf(&b, "set %s\n", s)
	}
	for _, c := range o.Chains {
		fmt.Fprintf(&b, "chain %s\n", c.Name)
		for _, r := range c.Rules {
			fmt.Fprintf(&b, "\t%s\n", r)
		}
	}
	for _, e := range o.Backends {
		fmt.Fprintf(&b, "element %s %s\n", e.Map.Name(), e)
	}
	for _, e := range o.Elems {
		fmt.Fprintf(&b, "element %s %s\n", e.Map.Name(), e)
	}
	return b.String()
}
