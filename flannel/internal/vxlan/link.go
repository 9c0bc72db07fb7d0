package vxlan

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
)

// LinkConfig describes the VXLAN device.
type LinkConfig struct {
	// Name is the device name, "flannel.1".
	Name string
	VNI  int
	// Port is the UDP destination port (8472).
	Port int
	// VtepIP is the local underlay address (the --iface address).
	VtepIP netip.Addr
	// VtepDevIndex is the underlay device's index.
	VtepDevIndex int
	// MTU is the device MTU: the underlay MTU minus 50 bytes of encapsulation.
	MTU int
}

// DeviceName returns upstream's device name for vni: "flannel.<vni>".
func DeviceName(vni int) string { return fmt.Sprintf("flannel.%d", vni) }

// EnsureLink makes sure the VXLAN device exists with cfg's VNI, port, local
// address and underlay device, learning off, cfg.MTU, and up. A compatible
// existing device is kept (so its MAC and every entry on it survive a
// restart); an incompatible one is deleted and recreated.
func EnsureLink(h *netlink.Handle, cfg LinkConfig) (*netlink.Vxlan, error) {
	want := &netlink.Vxlan{
		LinkAttrs:    netlink.LinkAttrs{Name: cfg.Name, MTU: cfg.MTU},
		VxlanId:      cfg.VNI,
		VtepDevIndex: cfg.VtepDevIndex,
		SrcAddr:      net.IP(cfg.VtepIP.AsSlice()),
		Port:         cfg.Port,
		Learning:     false,
	}
	existing, err := h.LinkByName(cfg.Name)
	var notFound netlink.LinkNotFoundError
	switch {
	case errors.As(err, &notFound):
		existing = nil
	case err != nil:
		return nil, fmt.Errorf("look up %s: %w", cfg.Name, err)
	}
	if existing != nil {
		if reason := incompatible(existing, want); reason != "" {
			if err := h.LinkDel(existing); err != nil {
				return nil, fmt.Errorf("delete incompatible %s (%s): %w", cfg.Name, reason, err)
			}
			existing = nil
		}
	}
	if existing == nil {
		if err := h.LinkAdd(want); err != nil {
			return nil, fmt.Errorf("create %s: %w", cfg.Name, err)
		}
	}
	link, err := h.LinkByName(cfg.Name)
	if err != nil {
		return nil, fmt.Errorf("look up %s: %w", cfg.Name, err)
	}
	if link.Attrs().MTU != cfg.MTU {
		if err := h.LinkSetMTU(link, cfg.MTU); err != nil {
			return nil, fmt.Errorf("set %s mtu %d: %w", cfg.Name, cfg.MTU, err)
		}
	}
	if link.Attrs().Flags&net.FlagUp == 0 {
		if err := h.LinkSetUp(link); err != nil {
			return nil, fmt.Errorf("set %s up: %w", cfg.Name, err)
		}
	}
	if link, err = h.LinkByName(cfg.Name); err != nil {
		return nil, fmt.Errorf("look up %s: %w", cfg.Name, err)
	}
	vx, ok := link.(*netlink.Vxlan)
	if !ok {
		return nil, fmt.Errorf("%s is a %s, not vxlan", cfg.Name, link.Type())
	}
	return vx, nil
}

// incompatible returns why an existing link cannot serve as want, or "".
func incompatible(l netlink.Link, want *netlink.Vxlan) string {
	vx, ok := l.(*netlink.Vxlan)
	switch {
	case !ok:
		return "type " + l.Type()
	case vx.VxlanId != want.VxlanId:
		return fmt.Sprintf("VNI %d", vx.VxlanId)
	case vx.Port != want.Port:
		return fmt.Sprintf("port %d", vx.Port)
	case !vx.SrcAddr.Equal(want.SrcAddr):
		return fmt.Sprintf("local %s", vx.SrcAddr)
	case want.VtepDevIndex != 0 && vx.VtepDevIndex != want.VtepDevIndex:
		return fmt.Sprintf("dev index %d", vx.VtepDevIndex)
	case vx.Learning:
		return "learning on"
	case len(vx.Group) > 0 && !vx.Group.IsUnspecified():
		return "group " + vx.Group.String()
	}
	return ""
}

// EnsureAddr makes addr/32 (the subnet's network address, as upstream) the
// only IPv4 address of link.
func EnsureAddr(h *netlink.Handle, link netlink.Link, addr netip.Addr) error {
	want := netip.PrefixFrom(addr, 32)
	addrs, err := h.AddrList(link, netlink.FAMILY_V4)
	if err != nil {
		return fmt.Errorf("list addresses of %s: %w", link.Attrs().Name, err)
	}
	found := false
	for _, a := range addrs {
		if prefixOf(a.IPNet) == want {
			found = true
			continue
		}
		if err := h.AddrDel(link, &a); err != nil {
			return fmt.Errorf("delete address %s of %s: %w", a.IPNet, link.Attrs().Name, err)
		}
	}
	if found {
		return nil
	}
	nl := &netlink.Addr{IPNet: ipNet(want)}
	if err := h.AddrAdd(link, nl); err != nil {
		return fmt.Errorf("add address %s to %s: %w", want, link.Attrs().Name, err)
	}
	return nil
}

// DeleteLink removes the device if it exists (for --cleanup).
func DeleteLink(h *netlink.Handle, name string) error {
	l, err := h.LinkByName(name)
	var notFound netlink.LinkNotFoundError
	if errors.As(err, &notFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up %s: %w", name, err)
	}
	if err := h.LinkDel(l); err != nil {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}

func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

func prefixOf(n *net.IPNet) netip.Prefix {
	if n == nil {
		return netip.Prefix{}
	}
	a, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return netip.Prefix{}
	}
	ones, _ := n.Mask.Size()
	if a.Is4In6() {
		a = a.Unmap()
	}
	return netip.PrefixFrom(a, ones)
}

func addrOf(ip net.IP) netip.Addr {
	a, _ := netip.AddrFromSlice(ip)
	return a.Unmap()
}
