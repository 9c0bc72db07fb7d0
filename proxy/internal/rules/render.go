package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// MasqMark is the packet mark (bit 14, as upstream) of traffic to masquerade.
const MasqMark = "0x4000"

// Render is the whole ruleset of s as iptables-restore input.
func Render(s *Snapshot) []byte { return Compute(s).Text() }

// Compute renders s into chains. Services are rendered in the order given.
func Compute(s *Snapshot) *Ruleset { return NewRenderer().Compute(s) }

// Renderer computes rulesets, reusing what it rendered for every service
// port that is unchanged since its previous Compute, so a sync of one
// changed service among thousands renders one service. It keeps no text of
// per-service chains, only a digest per chain (see Ruleset). What it
// returns is shared between rulesets and must not be modified; so must the
// ExternalIPs and Endpoints slices of snapshots passed to Compute, which it
// keeps. Not safe for concurrent use.
type Renderer struct {
	clusterCIDR string
	cache       map[portKey]*portRules
	// sizes of the last Compute's fixed chains, so that the next one
	// allocates them once.
	sizes [2][]int
}

// NewRenderer returns a Renderer with an empty cache.
func NewRenderer() *Renderer { return &Renderer{cache: map[portKey]*portRules{}} }

// Compute renders s; it equals the package-level Compute(s).
func (r *Renderer) Compute(s *Snapshot) *Ruleset {
	if s.ClusterCIDR != r.clusterCIDR {
		r.clusterCIDR, r.cache = s.ClusterCIDR, map[portKey]*portRules{}
	}
	rs := newRuleset()
	fixedChains(rs)
	r.presize(rs)
	next := make(map[portKey]*portRules, len(s.Services))
	rs.order = make([]*portRules, 0, len(s.Services))
	for i := range s.Services {
		sp := &s.Services[i]
		key := keyOf(sp)
		pr := r.cache[key]
		if pr == nil || !samePort(&pr.sp, sp) {
			pr = newPortRules(sp, s.ClusterCIDR)
			rs.fresh++
		}
		next[key] = pr
		rs.order = append(rs.order, pr)
		merge(rs, pr)
	}
	r.cache, rs.ports = next, next
	rs.NAT.Chain(ChainServices).add(comment("kubernetes service nodeports; NOTE: this must be the last rule in this chain"),
		"-m addrtype --dst-type LOCAL -j", ChainNodePorts)
	r.recordSizes(rs)
	return rs
}

// presize gives rs's fixed chains the capacity the last Compute needed
// (fixedChains makes the same fixed chains every time).
func (r *Renderer) presize(rs *Ruleset) {
	for i, t := range rs.Tables() {
		sz := r.sizes[i]
		for j, c := range t.Chains {
			if j < len(sz) {
				c.Rules = slices.Grow(c.Rules, max(0, sz[j]-len(c.Rules)))
			}
		}
	}
}

func (r *Renderer) recordSizes(rs *Ruleset) {
	for i, t := range rs.Tables() {
		sz := r.sizes[i][:0]
		for _, c := range t.Chains {
			sz = append(sz, len(c.Rules))
		}
		r.sizes[i] = sz
	}
}

// merge adds one port's rules in the fixed chains to rs.
func merge(rs *Ruleset, pr *portRules) {
	for _, f := range pr.fixed {
		c := rs.Tables()[f.table].Chain(f.chain)
		c.Rules = append(c.Rules, f.rule)
	}
}

func samePort(a, b *ServicePort) bool {
	return a.Namespace == b.Namespace && a.Name == b.Name && a.PortName == b.PortName && a.Protocol == b.Protocol &&
		a.ClusterIP == b.ClusterIP && a.Port == b.Port && a.NodePort == b.NodePort && a.AffinitySeconds == b.AffinitySeconds &&
		a.ExternalLocal == b.ExternalLocal && a.InternalLocal == b.InternalLocal &&
		slices.Equal(a.ExternalIPs, b.ExternalIPs) && slices.Equal(a.Endpoints, b.Endpoints)
}

// fixedChains creates every fixed chain of rs with its own rules. They
// are the only chains of a Ruleset's tables.
func fixedChains(rs *Ruleset) {
	for _, name := range []string{ChainServices, ChainExternalServices, ChainForward, ChainProxyFirewall} {
		rs.Filter.Chain(name)
	}
	fwd := rs.Filter.Chain(ChainForward)
	fwd.add("-m conntrack --ctstate INVALID -j DROP")
	fwd.add(comment("kubernetes forwarding rules"), "-m mark --mark", MasqMark+"/"+MasqMark, "-j ACCEPT")
	fwd.add(comment("kubernetes forwarding conntrack rule"), "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
	for _, name := range []string{ChainServices, ChainNodePorts, ChainPostrouting, ChainMarkMasq} {
		rs.NAT.Chain(name)
	}
	post := rs.NAT.Chain(ChainPostrouting)
	post.add("-m mark ! --mark", MasqMark+"/"+MasqMark, "-j RETURN")
	post.add("-j MARK --xor-mark", MasqMark)
	post.add(comment("kubernetes service traffic requiring SNAT"), "-j MASQUERADE --random-fully")
	rs.NAT.Chain(ChainMarkMasq).add("-j MARK --or-mark", MasqMark)
}

// probability is upstream's computeProbability: 1/n with 10 decimals.
func probability(n int) string { return fmt.Sprintf("%0.10f", 1.0/float64(n)) }

// comment is a "-m comment" match, quoted (as strconv.Quote) when it has
// spaces.
func comment(s string) string {
	switch {
	case !strings.ContainsAny(s, " \""):
	case plainASCII(s):
		return "-m comment --comment \"" + s + "\"" // what Quote gives, cheaper
	default:
		s = strconv.Quote(s)
	}
	return "-m comment --comment " + s
}

// plainASCII reports whether s is printable ASCII without quotes or
// backslashes, which strconv.Quote leaves as they are.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
