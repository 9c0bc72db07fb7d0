package nftables

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"github.com/wharfhq/wharf/proxy/internal/nftables/plan"
	"github.com/wharfhq/wharf/proxy/internal/rules"
)

// masqMark is the masquerade mark, rules.MasqMark as a number. Marks are
// host byte order in registers, so every mark constant is encoded with
// binary.NativeEndian.
const masqMark = 0x4000

// Registers: reg 1 is the 16-byte NFT_REG_1, whose 4-byte parts are
// NFT_REG32_00 (8) to NFT_REG32_03 (11); a concatenation puts each field
// in its own 4-byte register.
const (
	reg1   = 1
	reg2   = 2
	reg32n = 9 // NFT_REG32_01, the second field of a concatenation in reg 1
	reg32o = 10
)

func native32(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }

func be16(v int32) []byte { return binary.BigEndian.AppendUint16(nil, uint16(v)) }

// padded is b zero-padded to a multiple of 4 bytes (a concatenation field).
func padded(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func protoNum(p rules.Protocol) byte {
	switch p {
	case rules.UDP:
		return unix.IPPROTO_UDP
	case rules.SCTP:
		return unix.IPPROTO_SCTP
	}
	return unix.IPPROTO_TCP
}

func protoName(n byte) rules.Protocol {
	switch n {
	case unix.IPPROTO_UDP:
		return rules.UDP
	case unix.IPPROTO_SCTP:
		return rules.SCTP
	}
	return rules.TCP
}

// ip4 parses an IPv4 address; the snapshot holds only valid ones.
func ip4(s string) ([]byte, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return nil, fmt.Errorf("not an IPv4 address: %q", s)
	}
	b := a.As4()
	return b[:], nil
}

func loadSaddr(reg uint32) expr.Any {
	return &expr.Payload{DestRegister: reg, Base: expr.PayloadBaseNetworkHeader, Offset: 12, Len: 4}
}

func loadDaddr(reg uint32) expr.Any {
	return &expr.Payload{DestRegister: reg, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4}
}

func loadDport(reg uint32) expr.Any {
	return &expr.Payload{DestRegister: reg, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2}
}

func loadL4proto(reg uint32) expr.Any { return &expr.Meta{Key: expr.MetaKeyL4PROTO, Register: reg} }

func eq(data []byte) expr.Any { return &expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: data} }

// fibLocal matches fib saddr (or daddr) type local.
func fibLocal(saddr bool) []expr.Any {
	return []expr.Any{
		&expr.Fib{Register: reg1, FlagSADDR: saddr, FlagDADDR: !saddr, ResultADDRTYPE: true},
		eq(native32(unix.RTN_LOCAL)),
	}
}

// markMasq is meta mark set meta mark | 0x4000.
func markMasq() []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyMARK, Register: reg1},
		&expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: 4, Mask: native32(^uint32(masqMark)), Xor: native32(masqMark)},
		&expr.Meta{Key: expr.MetaKeyMARK, Register: reg1, SourceRegister: true},
	}
}

func verdict(kind expr.VerdictKind, chain string) expr.Any {
	return &expr.Verdict{Kind: kind, Chain: chain}
}

// ruleExprs compiles r.
func ruleExprs(r *plan.Rule) ([]expr.Any, error) {
	var out []expr.Any
	if r.DstIP != "" {
		ip, err := ip4(r.DstIP)
		if err != nil {
			return nil, err
		}
		out = append(out, loadDaddr(reg1), eq(ip))
	}
	if r.Proto != "" {
		out = append(out, loadL4proto(reg1), eq([]byte{protoNum(r.Proto)}))
	}
	if r.DPort != 0 {
		out = append(out, loadDport(reg1), eq(be16(r.DPort)))
	}
	if r.SrcCIDR != "" {
		e, err := srcCIDR(r.SrcCIDR, r.SrcNot)
		if err != nil {
			return nil, err
		}
		out = append(out, e...)
	}
	if r.SrcLocal {
		out = append(out, fibLocal(true)...)
	}
	if r.SrcInSet != "" {
		out = append(out, loadSaddr(reg1), &expr.Lookup{SourceRegister: reg1, SetName: r.SrcInSet})
	}
	st, err := statementExprs(r)
	if err != nil {
		return nil, err
	}
	return append(out, st...), nil
}

func srcCIDR(cidr string, not bool) ([]expr.Any, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() {
		return nil, fmt.Errorf("not an IPv4 CIDR: %q", cidr)
	}
	p = p.Masked()
	mask := binary.BigEndian.AppendUint32(nil, ^uint32(0)<<(32-p.Bits()))
	if p.Bits() == 0 {
		mask = []byte{0, 0, 0, 0}
	}
	op := expr.CmpOpEq
	if not {
		op = expr.CmpOpNeq
	}
	net := p.Addr().As4()
	return []expr.Any{
		loadSaddr(reg1),
		&expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: 4, Mask: mask, Xor: []byte{0, 0, 0, 0}},
		&expr.Cmp{Op: op, Register: reg1, Data: net[:]},
	}, nil
}

func statementExprs(r *plan.Rule) ([]expr.Any, error) {
	var out []expr.Any
	if r.UpdateSet != "" {
		out = append(out, loadSaddr(reg1), &expr.Dynset{SrcRegKey: reg1, SetName: r.UpdateSet,
			Operation: unix.NFT_DYNSET_OP_UPDATE, Timeout: seconds(r.UpdateTimeout)})
	}
	if r.Mark {
		out = append(out, markMasq()...)
	}
	if r.LBName != "" {
		// The key ID . numgen in NFT_REG32_00-02; a DNAT map's ip . port
		// comes back in NFT_REG32_00-01.
		id := plan.LBID(r.LBName)
		out = append(out, &expr.Immediate{Register: reg1, Data: binary.BigEndian.AppendUint64(nil, id)},
			&expr.Numgen{Register: reg32o, Modulus: uint32(r.Modulus), Type: unix.NFT_NG_RANDOM})
		if r.LBMap == plan.Backends {
			out = append(out, &expr.Lookup{SourceRegister: reg1, DestRegister: reg1, IsDestRegSet: true, SetName: shardName(r.LBMap, id)},
				&expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: reg1, RegProtoMin: reg32n, Specified: true})
		} else {
			out = append(out, &expr.Lookup{SourceRegister: reg1, DestRegister: 0, IsDestRegSet: true, SetName: shardName(r.LBMap, id)})
		}
	}
	if r.DNATIP != "" {
		ip, err := ip4(r.DNATIP)
		if err != nil {
			return nil, err
		}
		out = append(out, &expr.Immediate{Register: reg1, Data: ip}, &expr.Immediate{Register: reg2, Data: be16(r.DNATPort)},
			&expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: reg1, RegProtoMin: reg2, Specified: true})
	}
	if r.Goto != "" {
		out = append(out, verdict(expr.VerdictGoto, r.Goto))
	}
	return out, nil
}

// Set types.
var (
	typeIPProtoPort = nftables.MustConcatSetType(nftables.TypeIPAddr, nftables.TypeInetProto, nftables.TypeInetService)
	typeProtoPort   = nftables.MustConcatSetType(nftables.TypeInetProto, nftables.TypeInetService)
	typeIPIP        = nftables.MustConcatSetType(nftables.TypeIPAddr, nftables.TypeIPAddr)
	typeIPPort      = nftables.MustConcatSetType(nftables.TypeIPAddr, nftables.TypeInetService)
	// typeLBKey is a 64-bit ID . a 32-bit index, as three 4-byte fields
	// of a type nft can print (integer has no fixed size).
	typeLBKey = nftables.MustConcatSetType(nftables.TypeMark, nftables.TypeMark, nftables.TypeMark)
)

// shardSet is the definition of shard i of map g (plan.Backends or
// plan.BackendChains).
func shardSet(t *nftables.Table, g plan.Global, i uint64) *nftables.Set {
	s := globalSet(t, g)
	s.Name = g.Name() + "-" + strconv.FormatUint(i, 10)
	return s
}

// globalSet is the definition of shared map g.
func globalSet(t *nftables.Table, g plan.Global) *nftables.Set {
	s := &nftables.Set{Table: t, Name: g.Name(), IsMap: true, Concatenation: true, DataType: nftables.TypeVerdict}
	switch g {
	case plan.ServiceIPs, plan.NoEndpointServices:
		s.KeyType = typeIPProtoPort
	case plan.NodePorts, plan.NoEndpointNodePorts:
		s.KeyType = typeProtoPort
	case plan.Backends:
		s.KeyType, s.DataType = typeLBKey, typeIPPort
	case plan.BackendChains:
		s.KeyType = typeLBKey
	default:
		s.IsMap, s.KeyType, s.DataType = false, typeIPIP, nftables.SetDatatype{}
	}
	return s
}

// elemKey encodes k as the key of its map.
func elemKey(k plan.ElemKey) ([]byte, error) {
	pp := append(padded([]byte{protoNum(k.Proto)}), padded(be16(k.Port))...)
	switch k.Map {
	case plan.NodePorts, plan.NoEndpointNodePorts:
		return pp, nil
	}
	ip, err := ip4(k.IP)
	if err != nil {
		return nil, err
	}
	if k.Map == plan.Hairpin {
		return append(ip, ip...), nil
	}
	return append(ip, pp...), nil
}

// decodeKey is elemKey's inverse for keys read from map g.
func decodeKey(g plan.Global, b []byte) (plan.ElemKey, bool) {
	k := plan.ElemKey{Map: g}
	switch g {
	case plan.NodePorts, plan.NoEndpointNodePorts:
		if len(b) < 8 {
			return k, false
		}
		k.Proto, k.Port = protoName(b[0]), int32(binary.BigEndian.Uint16(b[4:]))
		return k, true
	}
	if len(b) < 8 {
		return k, false
	}
	k.IP = netip.AddrFrom4([4]byte(b[:4])).String()
	if g == plan.Hairpin {
		return k, true
	}
	if len(b) < 12 {
		return k, false
	}
	k.Proto, k.Port = protoName(b[4]), int32(binary.BigEndian.Uint16(b[8:]))
	return k, true
}

// setElem is e as a netlink set element.
func setElem(e plan.Elem) (nftables.SetElement, error) {
	key, err := elemKey(e.ElemKey)
	if err != nil {
		return nftables.SetElement{}, err
	}
	el := nftables.SetElement{Key: key}
	switch e.Verdict {
	case plan.VerdictGoto:
		el.VerdictData = &expr.Verdict{Kind: expr.VerdictGoto, Chain: e.Chain}
	case plan.VerdictReject:
		el.VerdictData = &expr.Verdict{Kind: expr.VerdictGoto, Chain: plan.ChainReject}
	case plan.VerdictDrop:
		el.VerdictData = &expr.Verdict{Kind: expr.VerdictDrop}
	}
	return el, nil
}

// lbShards is the number of kernel maps each of plan.Backends and
// plan.BackendChains is spread over, by ID. Binding a map lookup in a new
// chain makes the kernel walk the map's elements, and it finds a map by
// walking the table's list of sets: with one map per service a full sync
// of 10k services spends most of its time in the walks of the list, with
// one map for all in the walks of the map. Shards keep both short.
const lbShards = 128

// shardName is the name of the kernel map that holds ID id of map g.
func shardName(g plan.Global, id uint64) string { return shardSet(nil, g, id%lbShards).Name }

// backendKey encodes k: its ID big-endian, its index as numgen writes it.
func backendKey(k plan.BackendKey) []byte {
	return binary.NativeEndian.AppendUint32(binary.BigEndian.AppendUint64(make([]byte, 0, 12), k.ID), uint32(k.Index))
}

// decodeBackendKey is backendKey's inverse for keys read from map g.
func decodeBackendKey(g plan.Global, b []byte) (plan.BackendKey, bool) {
	if len(b) < 12 {
		return plan.BackendKey{}, false
	}
	return plan.BackendKey{Map: g, ID: binary.BigEndian.Uint64(b), Index: int32(binary.NativeEndian.Uint32(b[8:]))}, true
}

// backendElem is b as a netlink set element.
func backendElem(b *plan.Backend) (nftables.SetElement, error) {
	el := nftables.SetElement{Key: backendKey(b.Key())}
	if b.Map == plan.BackendChains {
		el.VerdictData = &expr.Verdict{Kind: expr.VerdictGoto, Chain: b.Chain}
		return el, nil
	}
	ip, err := ip4(b.IP)
	if err != nil {
		return el, err
	}
	el.Val = append(ip, padded(be16(b.Port))...)
	return el, nil
}

// affinitySet is the definition of affinity set name.
func affinitySet(t *nftables.Table, name string) *nftables.Set {
	return &nftables.Set{Table: t, Name: name, KeyType: nftables.TypeIPAddr, HasTimeout: true, Dynamic: true}
}

func seconds(s int32) time.Duration { return time.Duration(s) * time.Second }
