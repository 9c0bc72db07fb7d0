// Package conntrack deletes the conntrack entries of UDP and SCTP flows
// that went stale (see rules.Flush) through netlink (ctnetlink), in the
// network namespace the process runs in: one dump of the table, then one
// delete per matching entry, as upstream kube-proxy does.
package conntrack

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/wharfhq/wharf/proxy/internal/rules"
)

// Flush deletes the IPv4 entries matching any of flushes and returns how
// many it deleted. Flushes that would match too much or are malformed (no
// port, a bad address) are skipped and reported in the error; the others
// are still applied.
func Flush(ctx context.Context, flushes []rules.Flush) (uint, error) {
	set := filterSet{}
	var errs []error
	for _, f := range flushes {
		flt, err := NewFilter(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		k := flt.key()
		set[k] = append(set[k], flt)
	}
	if len(set) == 0 {
		return 0, errors.Join(errs...)
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	h, err := netlink.NewHandle(unix.NETLINK_NETFILTER)
	if err != nil {
		return 0, fmt.Errorf("conntrack netlink socket: %w", err)
	}
	defer h.Close()
	n, err := h.ConntrackDeleteFilters(netlink.ConntrackTable, netlink.FAMILY_V4, set)
	if err != nil {
		errs = append(errs, fmt.Errorf("conntrack delete: %w", err))
	}
	return n, errors.Join(errs...)
}

// filterSet is many filters as one, indexed by protocol and port, so that
// matching the table is linear in its size, not in its size times the
// number of filters (every UDP service is new at the first sync).
type filterSet map[uint32][]*Filter

// MatchConntrackFlow implements netlink.CustomConntrackFilter.
func (s filterSet) MatchConntrackFlow(flow *netlink.ConntrackFlow) bool {
	for _, f := range s[uint32(flow.Forward.Protocol)<<16|uint32(flow.Forward.DstPort)] {
		if f.MatchConntrackFlow(flow) {
			return true
		}
	}
	return false
}

// Filter matches the conntrack entries of one rules.Flush.
type Filter struct {
	proto   uint8
	origDst net.IP // nil: any address (a NodePort)
	port    uint16
	dnat    net.IP // nil: entries that were not DNATed
}

// NewFilter validates f and returns its filter.
func NewFilter(f rules.Flush) (*Filter, error) {
	flt := &Filter{}
	switch f.Protocol {
	case rules.UDP:
		flt.proto = unix.IPPROTO_UDP
	case rules.SCTP:
		flt.proto = unix.IPPROTO_SCTP
	case rules.TCP:
		flt.proto = unix.IPPROTO_TCP
	default:
		return nil, fmt.Errorf("conntrack flush %+v: unknown protocol", f)
	}
	if f.OrigPort <= 0 || f.OrigPort > 65535 {
		return nil, fmt.Errorf("conntrack flush %+v: port out of range", f)
	}
	flt.port = uint16(f.OrigPort)
	var err error
	if flt.origDst, err = ipv4(f.OrigDst); err != nil {
		return nil, fmt.Errorf("conntrack flush %+v: destination: %w", f, err)
	}
	if flt.dnat, err = ipv4(f.DNAT); err != nil {
		return nil, fmt.Errorf("conntrack flush %+v: DNAT address: %w", f, err)
	}
	return flt, nil
}

func (f *Filter) key() uint32 { return uint32(f.proto)<<16 | uint32(f.port) }

// ipv4 parses s, "" as nil.
func ipv4(s string) (net.IP, error) {
	if s == "" {
		return nil, nil
	}
	ip := net.ParseIP(s).To4()
	if ip == nil {
		return nil, fmt.Errorf("%q is not an IPv4 address", s)
	}
	return ip, nil
}

// MatchConntrackFlow implements netlink.CustomConntrackFilter.
func (f *Filter) MatchConntrackFlow(flow *netlink.ConntrackFlow) bool {
	fw, rv := &flow.Forward, &flow.Reverse
	if fw.Protocol != f.proto || fw.DstPort != f.port {
		return false
	}
	if f.origDst != nil && !fw.DstIP.Equal(f.origDst) {
		return false
	}
	if f.dnat == nil {
		return rv.SrcIP.Equal(fw.DstIP) && rv.SrcPort == fw.DstPort
	}
	return rv.SrcIP.Equal(f.dnat)
}
