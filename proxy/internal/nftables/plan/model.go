package plan

import (
	"encoding/binary"
	"hash/fnv"

	"github.com/wharfhq/wharf/proxy/internal/rules"
)

// ChainReject is the fixed chain that rejects traffic to a service without
// endpoints; shared map elements with VerdictReject go to it.
const ChainReject = "reject-chain"

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
	// LBName, if set, picks LBName's ID . numgen random mod Modulus in the
	// shared map LBMap (Backends: DNAT to the endpoint it maps to;
	// BackendChains: its goto).
	LBName  string
	LBMap   Global
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

// Backend is one element of the shared load-balancing maps: key
// LBID(Name) . Index maps to IP . Port (map Backends) or to goto Chain
// (map BackendChains).
type Backend struct {
	Map   Global
	Name  string // the balancing rule's LBName: lb-, lbl-, lbv- or lbvl-<hash>
	Index int32
	IP    string
	Port  int32
	Chain string
}

// Key is b's key in the kernel.
func (b *Backend) Key() BackendKey { return BackendKey{b.Map, LBID(b.Name), b.Index} }

// BackendKey is a Backend's key as the kernel has it.
type BackendKey struct {
	Map   Global
	ID    uint64
	Index int32
}

// LBID is the 64-bit key prefix of a balancing rule's elements: the first
// 8 bytes of FNV-1a of its name. Two of 20k names collide with a
// probability of about 1e-11.
func LBID(name string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return binary.BigEndian.Uint64(h.Sum(nil))
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
	Backends
	BackendChains
	NumGlobals
)

// Name is the map's or set's name in the table.
func (g Global) Name() string {
	return [...]string{"service-ips", "service-nodeports", "no-endpoint-services", "no-endpoint-nodeports", "hairpin",
		"lb-endpoints", "lb-chains"}[g]
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
	VerdictReject                // goto ChainReject
	VerdictDrop
	// VerdictUnknown is the value of an element read from the kernel:
	// a key claimed with it is rewritten.
	VerdictUnknown Verdict = 255
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

// Objects is everything one service port puts in the table. It is
// generated when a sync writes or deletes the port, and not kept.
type Objects struct {
	// Chains in creation order: a chain comes after those it jumps to.
	Chains []Chain
	// Sets are the affinity sets (ipv4_addr, timeout) of its endpoints.
	Sets     []string
	Backends []Backend
	Elems    []Elem
}

// Rules is the number of rules in o's chains.
func (o *Objects) Rules() int {
	n := 0
	for i := range o.Chains {
		n += len(o.Chains[i].Rules)
	}
	return n
}

// Port is one service port as a State keeps it between syncs: what its
// Objects are generated from (sharing the snapshot's slices), not the
// Objects themselves, so that 10k services cost a few MiB.
type Port struct {
	sp    rules.ServicePort
	rules int32
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

// State is the desired content of the table's per-service part: one Port
// per service port, in snapshot order. Ports unchanged since the
// Generator's previous State are the same pointers.
type State struct {
	ClusterCIDR string
	Ports       []*Port
	rules       int
	index       map[PortKey]*Port
}

// Objects generates the objects of p, one of s's ports.
func (s *State) Objects(p *Port) *Objects { return GeneratePort(&p.sp, s.ClusterCIDR) }

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
func (s *State) Rules() int { return s.rules }
