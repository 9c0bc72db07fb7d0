package overlay

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"sort"
)

// Peer is another node of the overlay as its Node object describes it.
type Peer struct {
	Name     string
	Subnet   netip.Prefix
	PublicIP netip.Addr
	VtepMAC  net.HardwareAddr
}

// Route is "Dst via Gw dev flannel.1 onlink".
type Route struct {
	Dst netip.Prefix
	Gw  netip.Addr
}

// Neighbor is a permanent ARP entry IP → MAC on flannel.1.
type Neighbor struct {
	IP  netip.Addr
	MAC string
}

// FDBEntry is a permanent bridge FDB entry on flannel.1: frames for MAC are
// sent, VXLAN-encapsulated, to Dst.
type FDBEntry struct {
	MAC string
	Dst netip.Addr
}

// Desired is what flannel.1 should carry, sorted by peer name.
type Desired struct {
	Routes    []Route
	Neighbors []Neighbor
	FDB       []FDBEntry
}

// Skipped names a peer Render left out and why.
type Skipped struct {
	Name   string
	Reason string
}

// Self is the local node: its name and subnet.
type Self struct {
	Name   string
	Subnet netip.Prefix
}

// Render computes the entries for every usable peer. A peer is left out
// (and reported) when it is self, lacks a subnet, public IP or VTEP MAC,
// has a subnet outside network or overlapping self's, or repeats a subnet or
// MAC of a peer that sorts before it by name.
func Render(self Self, network netip.Prefix, peers []Peer) (Desired, []Skipped) {
	sorted := append([]Peer(nil), peers...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	var d Desired
	var skipped []Skipped
	subnets := map[netip.Prefix]string{}
	macs := map[string]string{}
	for _, p := range sorted {
		if p.Name == self.Name {
			continue
		}
		if reason := unusable(self, network, p); reason != "" {
			skipped = append(skipped, Skipped{p.Name, reason})
			continue
		}
		subnet, mac := p.Subnet.Masked(), p.VtepMAC.String()
		if other, dup := subnets[subnet]; dup {
			skipped = append(skipped, Skipped{p.Name, fmt.Sprintf("subnet %s already used by %s", subnet, other)})
			continue
		}
		if other, dup := macs[mac]; dup {
			skipped = append(skipped, Skipped{p.Name, fmt.Sprintf("VTEP MAC %s already used by %s", mac, other)})
			continue
		}
		subnets[subnet], macs[mac] = p.Name, p.Name
		gw := subnet.Addr()
		d.Routes = append(d.Routes, Route{Dst: subnet, Gw: gw})
		d.Neighbors = append(d.Neighbors, Neighbor{IP: gw, MAC: mac})
		d.FDB = append(d.FDB, FDBEntry{MAC: mac, Dst: p.PublicIP})
	}
	return d, skipped
}

// unusable returns why p cannot be programmed, or "".
func unusable(self Self, network netip.Prefix, p Peer) string {
	switch {
	case !p.Subnet.IsValid():
		return "no subnet"
	case !p.Subnet.Addr().Is4():
		return fmt.Sprintf("subnet %s is not IPv4", p.Subnet)
	case network.IsValid() && (!network.Contains(p.Subnet.Addr()) || p.Subnet.Bits() < network.Bits()):
		return fmt.Sprintf("subnet %s is outside network %s", p.Subnet, network)
	case self.Subnet.IsValid() && self.Subnet.Overlaps(p.Subnet):
		return fmt.Sprintf("subnet %s overlaps own subnet %s", p.Subnet, self.Subnet)
	case !p.PublicIP.IsValid() || !p.PublicIP.Is4():
		return "no IPv4 public IP"
	case len(p.VtepMAC) != 6 || bytes.Equal(p.VtepMAC, make(net.HardwareAddr, 6)):
		return "no VTEP MAC"
	}
	return ""
}
