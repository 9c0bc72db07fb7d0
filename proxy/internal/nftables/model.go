package nftables

import (
	"slices"

	"github.com/wharfhq/wharf/proxy/internal/rules"
)

// TableName is the nftables table (family ip) this package owns.
const TableName = "wharf-proxy"

// Rule is one rule of a per-service chain: its matches (every set field
// must match) then its statements, in the order String prints them. It is
// comparable, so chains compare with slices.Equal.
type Rule struct {
	// DstIP, if set, matches ip daddr; DPort, if set, th dport.
	DstIP string
	DPort int32
	// Proto, if set, matches meta l4proto.
	Proto rules.Protocol
	// SrcCIDR, if set, matches ip saddr in it (not in it with SrcNot).
	SrcCIDR string
	SrcNot  bool
	// SrcLocal matches fib saddr type local.
	SrcLocal bool
	// SrcInSet, if set, matches ip saddr @SrcInSet.
	SrcInSet string

	// UpdateSet, if set, adds or refreshes ip saddr in that set for
	// UpdateTimeout seconds.
	UpdateSet     string
	UpdateTimeout int32
	// Mark sets the masquerade mark.
	Mark bool
	// LBMap, if set, picks numgen random mod Modulus in that map: DNAT to
	// the endpoint it maps to, or (a verdict map) its goto.
	LBMap   string
	Modulus int32
	// DNATIP and DNATPort, if set, DNAT to that endpoint.
	DNATIP   string
	DNATPort int32
	// Goto, if set, continues in that chain.
	Goto string
}

// Chain is one per-service chain and its rules.
type Chain struct {
	Name  string
	Rules []Rule
}

// LBMap is one per-service load-balancing map: key i (numgen) maps to
// Endpoints[i] (ip:port), or in a verdict map to goto Chains[i].
type LBMap struct {
	Name      string
	Verdict   bool
	Endpoints []rules.Endpoint // IP and Port only
	Chains    []string
}

func (m *LBMap) equal(o *LBMap) bool {
	return m.Name == o.Name && m.Verdict == o.Verdict && slices.Equal(m.Chains, o.Chains) &&
		slices.EqualFunc(m.Endpoints, o.Endpoints, func(a, b rules.Endpoint) bool { return a.IP == b.IP && a.Port == b.Port })
}

// Global is one of the table's shared maps and sets.
type Global uint8

// The shared maps and sets (see the package doc).
const (
	ServiceIPs Global = iota
	NodePorts
	NoEndpointServices
	NoEndpointNodePorts
	Hairpin
	numGlobals
)

// Name is the map's or set's name in the table.
func (g Global) Name() string {
	return [...]string{"service-ips", "service-nodeports", "no-endpoint-services", "no-endpoint-nodeports", "hairpin"}[g]
}

// ElemKey is one element's key in a shared map: IP . Proto . Port
// (service-ips, no-endpoint-services), Proto . Port (the nodeport maps),
// or IP . IP (hairpin, IP only).
type ElemKey struct {
	Map   Global
	IP    string
	Proto rules.Protocol
	Port  int32
}

// Verdict is what a shared map element does.
type Verdict uint8

// Verdicts.
const (
	VerdictNone   Verdict = iota // a set element
	VerdictGoto                  // goto Elem.Chain
	VerdictReject                // goto reject-chain
	VerdictDrop
)

// ElemVal is a shared map element's value.
type ElemVal struct {
	Verdict Verdict
	Chain   string
}

// Elem is one element of a shared map.
type Elem struct {
	ElemKey
	ElemVal
}

// Port is everything one service port puts in the table.
type Port struct {
	sp rules.ServicePort // what it was generated from
	// Chains in creation order: a chain comes after those it jumps to.
	Chains []Chain
	Maps   []LBMap
	// Sets are the affinity sets (ipv4_addr, timeout) of its endpoints.
	Sets  []string
	Elems []Elem
}

// Key identifies the service port.
func (p *Port) Key() PortKey { return keyOf(&p.sp) }

// String is the service port's "ns/name:port".
func (p *Port) String() string { return p.sp.String() }

// PortKey identifies a service port.
type PortKey struct {
	Namespace, Name, PortName string
	Protocol                  rules.Protocol
}

func keyOf(sp *rules.ServicePort) PortKey {
	return PortKey{sp.Namespace, sp.Name, sp.PortName, sp.Protocol}
}

func (p *Port) equal(o *Port) bool {
	return slices.EqualFunc(p.Chains, o.Chains, func(a, b Chain) bool { return a.Name == b.Name && slices.Equal(a.Rules, b.Rules) }) &&
		slices.EqualFunc(p.Maps, o.Maps, func(a, b LBMap) bool { return a.equal(&b) }) &&
		slices.Equal(p.Sets, o.Sets) && slices.Equal(p.Elems, o.Elems)
}

// State is the desired content of the table's per-service part: one Port
// per service port, in snapshot order. Ports unchanged since the
// Generator's previous State are the same pointers.
type State struct {
	ClusterCIDR string
	Ports       []*Port
	index       map[PortKey]*Port
}

// Lookup returns the port with key k, or nil. It indexes the ports on
// first use.
func (s *State) Lookup(k PortKey) *Port {
	if s.index == nil {
		s.index = make(map[PortKey]*Port, len(s.Ports))
		for _, p := range s.Ports {
			s.index[p.Key()] = p
		}
	}
	return s.index[k]
}

// Rules is the number of rules in the per-service chains.
func (s *State) Rules() int {
	n := 0
	for _, p := range s.Ports {
		for i := range p.Chains {
			n += len(p.Chains[i].Rules)
		}
	}
	return n
}
