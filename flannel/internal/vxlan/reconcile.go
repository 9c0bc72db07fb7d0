package vxlan

import (
	"errors"
	"fmt"
	"net"
	"syscall"

	"github.com/vishvananda/netlink"

	"github.com/wharfhq/wharf/flannel/internal/overlay"
	"golang.org/x/sys/unix"
)

// Changes counts what one Reconcile did.
type Changes struct {
	RoutesAdded, RoutesDeleted       int
	NeighborsAdded, NeighborsDeleted int
	FDBAdded, FDBDeleted             int
}

// Total is the number of kernel writes.
func (c Changes) Total() int {
	return c.RoutesAdded + c.RoutesDeleted + c.NeighborsAdded + c.NeighborsDeleted + c.FDBAdded + c.FDBDeleted
}

// Reconcile makes the routes, ARP neighbours and FDB entries on the link with
// index linkIndex equal to d. Entries are added before stale ones are deleted
// only within each kind; FDB and neighbours go before routes so a new route
// never points at an unresolved next hop. It keeps going after an error and
// returns all errors joined.
func Reconcile(h *netlink.Handle, linkIndex int, d overlay.Desired) (Changes, error) {
	var c Changes
	errFDB := reconcileFDB(h, linkIndex, d.FDB, &c)
	errNeigh := reconcileNeighbors(h, linkIndex, d.Neighbors, &c)
	errRoutes := reconcileRoutes(h, linkIndex, d.Routes, &c)
	return c, errors.Join(errFDB, errNeigh, errRoutes)
}

func reconcileFDB(h *netlink.Handle, idx int, want []overlay.FDBEntry, c *Changes) error {
	have, err := h.NeighList(idx, unix.AF_BRIDGE)
	if err != nil {
		return fmt.Errorf("list fdb: %w", err)
	}
	wanted := make(map[string]overlay.FDBEntry, len(want))
	for _, e := range want {
		wanted[e.MAC] = e
	}
	present := make(map[overlay.FDBEntry]bool, len(have))
	var errs []error
	for _, n := range have {
		e := overlay.FDBEntry{MAC: n.HardwareAddr.String(), Dst: addrOf(n.IP)}
		if w, ok := wanted[e.MAC]; ok && w == e && n.State&netlink.NUD_PERMANENT != 0 {
			present[e] = true
			continue
		}
		if err := h.NeighDel(&n); err != nil && !errors.Is(err, syscall.ENOENT) {
			errs = append(errs, fmt.Errorf("delete fdb %s dst %s: %w", e.MAC, e.Dst, err))
			continue
		}
		c.FDBDeleted++
	}
	for _, e := range want {
		if present[e] {
			continue
		}
		mac, _ := net.ParseMAC(e.MAC)
		n := &netlink.Neigh{LinkIndex: idx, Family: unix.AF_BRIDGE, State: netlink.NUD_PERMANENT,
			Flags: netlink.NTF_SELF, IP: net.IP(e.Dst.AsSlice()), HardwareAddr: mac}
		if err := h.NeighSet(n); err != nil {
			errs = append(errs, fmt.Errorf("add fdb %s dst %s: %w", e.MAC, e.Dst, err))
			continue
		}
		c.FDBAdded++
	}
	return errors.Join(errs...)
}

func reconcileNeighbors(h *netlink.Handle, idx int, want []overlay.Neighbor, c *Changes) error {
	have, err := h.NeighList(idx, netlink.FAMILY_V4)
	if err != nil {
		return fmt.Errorf("list neighbours: %w", err)
	}
	wanted := make(map[overlay.Neighbor]bool, len(want))
	for _, n := range want {
		wanted[n] = true
	}
	present := make(map[overlay.Neighbor]bool, len(have))
	var errs []error
	for _, n := range have {
		e := overlay.Neighbor{IP: addrOf(n.IP), MAC: n.HardwareAddr.String()}
		if wanted[e] && n.State&netlink.NUD_PERMANENT != 0 {
			present[e] = true
			continue
		}
		if err := h.NeighDel(&n); err != nil && !errors.Is(err, syscall.ENOENT) {
			errs = append(errs, fmt.Errorf("delete neighbour %s: %w", e.IP, err))
			continue
		}
		c.NeighborsDeleted++
	}
	for _, e := range want {
		if present[e] {
			continue
		}
		mac, _ := net.ParseMAC(e.MAC)
		n := &netlink.Neigh{LinkIndex: idx, Family: netlink.FAMILY_V4, State: netlink.NUD_PERMANENT,
			Type: unix.RTN_UNICAST, IP: net.IP(e.IP.AsSlice()), HardwareAddr: mac}
		if err := h.NeighSet(n); err != nil {
			errs = append(errs, fmt.Errorf("add neighbour %s: %w", e.IP, err))
			continue
		}
		c.NeighborsAdded++
	}
	return errors.Join(errs...)
}

func reconcileRoutes(h *netlink.Handle, idx int, want []overlay.Route, c *Changes) error {
	have, err := h.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{LinkIndex: idx}, netlink.RT_FILTER_OIF)
	if err != nil {
		return fmt.Errorf("list routes: %w", err)
	}
	wanted := make(map[overlay.Route]bool, len(want))
	for _, r := range want {
		wanted[r] = true
	}
	present := make(map[overlay.Route]bool, len(have))
	var errs []error
	for _, r := range have {
		if r.Protocol == unix.RTPROT_KERNEL {
			continue
		}
		e := overlay.Route{Dst: prefixOf(r.Dst), Gw: addrOf(r.Gw)}
		if wanted[e] && r.Flags&int(netlink.FLAG_ONLINK) != 0 {
			present[e] = true
			continue
		}
		if err := h.RouteDel(&r); err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, fmt.Errorf("delete route %s: %w", e.Dst, err))
			continue
		}
		c.RoutesDeleted++
	}
	for _, e := range want {
		if present[e] {
			continue
		}
		r := &netlink.Route{LinkIndex: idx, Dst: ipNet(e.Dst), Gw: net.IP(e.Gw.AsSlice()),
			Flags: int(netlink.FLAG_ONLINK), Scope: netlink.SCOPE_UNIVERSE}
		if err := h.RouteReplace(r); err != nil {
			errs = append(errs, fmt.Errorf("add route %s: %w", e.Dst, err))
			continue
		}
		c.RoutesAdded++
	}
	return errors.Join(errs...)
}
