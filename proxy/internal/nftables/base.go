package nftables

import (
	"slices"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"github.com/wharfhq/wharf/proxy/internal/nftables/plan"
)

// Fixed chains.
const (
	chainServices      = "services"
	chainMasquerading  = "masquerading"
	chainEndpointCheck = "endpoints-check"
	chainReject        = plan.ChainReject
)

// baseChain is a chain hooked into netfilter, with the one chain it jumps to.
type baseChain struct {
	name string
	typ  nftables.ChainType
	hook *nftables.ChainHook
	prio *nftables.ChainPriority
	to   string
}

// filterPrio is upstream kube-proxy's: before DNAT in output, so a service
// without endpoints is still matched by its cluster IP.
var filterPrio = nftables.ChainPriorityRef(-110)

var baseChains = []baseChain{
	{"nat-prerouting", nftables.ChainTypeNAT, nftables.ChainHookPrerouting, nftables.ChainPriorityNATDest, chainServices},
	{"nat-output", nftables.ChainTypeNAT, nftables.ChainHookOutput, nftables.ChainPriorityNATDest, chainServices},
	{"nat-postrouting", nftables.ChainTypeNAT, nftables.ChainHookPostrouting, nftables.ChainPriorityNATSource, chainMasquerading},
	{"filter-input", nftables.ChainTypeFilter, nftables.ChainHookInput, filterPrio, chainEndpointCheck},
	{"filter-forward", nftables.ChainTypeFilter, nftables.ChainHookForward, filterPrio, chainEndpointCheck},
	{"filter-output", nftables.ChainTypeFilter, nftables.ChainHookOutput, filterPrio, chainEndpointCheck},
}

func fixedChain(name string) bool {
	switch name {
	case chainServices, chainMasquerading, chainEndpointCheck, chainReject:
		return true
	}
	return slices.ContainsFunc(baseChains, func(b baseChain) bool { return b.name == name })
}

// sharedSet is one of the kernel's shared maps or sets: the map of plan
// it holds (part of).
type sharedSet struct {
	*nftables.Set
	g plan.Global
}

// sharedSets is the definition of every shared map and set: one per
// plan.Global, the backends' in lbShards shards each.
func sharedSets(t *nftables.Table) []sharedSet {
	out := make([]sharedSet, 0, int(plan.NumGlobals)+2*lbShards)
	for g := range plan.NumGlobals {
		if g != plan.Backends && g != plan.BackendChains {
			out = append(out, sharedSet{globalSet(t, g), g})
			continue
		}
		for i := range uint64(lbShards) {
			out = append(out, sharedSet{shardSet(t, g, i), g})
		}
	}
	return out
}

// vmapLookup is "<key> vmap @g" for a shared map.
func vmapLookup(g plan.Global) []expr.Any {
	var load []expr.Any
	switch g {
	case plan.ServiceIPs, plan.NoEndpointServices: // ip daddr . meta l4proto . th dport
		load = []expr.Any{loadDaddr(reg1), loadL4proto(reg32n), loadDport(reg32o)}
	default: // fib daddr type local meta l4proto . th dport
		load = append(fibLocal(false), loadL4proto(reg1), loadDport(reg32n))
	}
	return append(load, &expr.Lookup{SourceRegister: reg1, DestRegister: 0, IsDestRegSet: true, SetName: g.Name()})
}

// fixedRules are the rules of the fixed (not base) chains.
func fixedRules() map[string][][]expr.Any {
	ctNew := []expr.Any{
		&expr.Ct{Register: reg1, Key: expr.CtKeySTATE},
		&expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: 4, Mask: native32(expr.CtStateBitNEW), Xor: native32(0)},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: reg1, Data: native32(0)},
	}
	return map[string][][]expr.Any{
		chainServices:      {vmapLookup(plan.ServiceIPs), vmapLookup(plan.NodePorts)},
		chainEndpointCheck: {append(slices.Clone(ctNew), vmapLookup(plan.NoEndpointServices)...), append(ctNew, vmapLookup(plan.NoEndpointNodePorts)...)},
		chainReject:        {{&expr.Reject{Type: unix.NFT_REJECT_ICMP_UNREACH, Code: icmpPortUnreachable}}},
		chainMasquerading: {
			// Hairpin: an endpoint reached through a service from itself.
			// Only DNATed flows: an endpoint may be 127.0.0.1 (the apiserver's
			// kubernetes service), and loopback flows must stay as they are.
			{&expr.Ct{Register: reg1, Key: expr.CtKeySTATUS},
				&expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: 4, Mask: native32(ipsDstNAT), Xor: native32(0)},
				&expr.Cmp{Op: expr.CmpOpNeq, Register: reg1, Data: native32(0)},
				loadSaddr(reg1), loadDaddr(reg32n), &expr.Lookup{SourceRegister: reg1, SetName: plan.Hairpin.Name()}, &expr.Masq{FullyRandom: true}},
			{&expr.Meta{Key: expr.MetaKeyMARK, Register: reg1},
				&expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: 4, Mask: native32(masqMark), Xor: native32(0)},
				eq(native32(0)), verdict(expr.VerdictReturn, "")},
			{&expr.Meta{Key: expr.MetaKeyMARK, Register: reg1},
				&expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: 4, Mask: native32(^uint32(0)), Xor: native32(masqMark)},
				&expr.Meta{Key: expr.MetaKeyMARK, Register: reg1, SourceRegister: true}},
			{&expr.Masq{FullyRandom: true}},
		},
	}
}

// addBase queues the table, the shared maps and the fixed and base chains,
// creating what is missing and rewriting the fixed chains' rules.
func addBase(c *nftables.Conn, t *nftables.Table) error {
	c.AddTable(t)
	for _, s := range sharedSets(t) {
		if err := c.AddSet(s.Set, nil); err != nil {
			return err
		}
	}
	fixed := fixedRules()
	for _, name := range []string{chainReject, chainMasquerading, chainEndpointCheck, chainServices} {
		ch := c.AddChain(&nftables.Chain{Name: name, Table: t})
		c.FlushChain(ch)
		for _, r := range fixed[name] {
			c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: r})
		}
	}
	accept := nftables.ChainPolicyAccept
	for _, b := range baseChains {
		ch := c.AddChain(&nftables.Chain{Name: b.name, Table: t, Type: b.typ, Hooknum: b.hook, Priority: b.prio, Policy: &accept})
		c.FlushChain(ch)
		c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: []expr.Any{verdict(expr.VerdictJump, b.to)}})
	}
	return nil
}

// ipsDstNAT is conntrack's IPS_DST_NAT status bit (ct status dnat).
const ipsDstNAT = 1 << 5

// icmpPortUnreachable is ICMP destination unreachable code 3, as iptables'
// REJECT default: a TCP client sees ECONNREFUSED at once.
const icmpPortUnreachable = 3
