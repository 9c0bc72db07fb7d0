package vxlan

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/wharfhq/wharf/flannel/internal/netnstest"
	"github.com/wharfhq/wharf/flannel/internal/overlay"
)

// underlayNS returns a fresh namespace with a veth underlay eth0 at
// 192.168.50.1/24 (MTU 1500) and its index.
func underlayNS(t testing.TB, suffix string) (*netnstest.NS, int) {
	t.Helper()
	netnstest.Skip(t)
	netnstest.CleanLeftovers(t, "vx")
	ns := netnstest.Add(t, netnstest.Name("vx", suffix))
	eth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "eth0", MTU: 1500}, PeerName: "eth0p"}
	if err := ns.NL.LinkAdd(eth); err != nil {
		t.Fatalf("add eth0: %v", err)
	}
	l, err := ns.NL.LinkByName("eth0")
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := netlink.ParseAddr("192.168.50.1/24")
	if err := ns.NL.AddrAdd(l, addr); err != nil {
		t.Fatal(err)
	}
	if err := ns.NL.LinkSetUp(l); err != nil {
		t.Fatal(err)
	}
	return ns, l.Attrs().Index
}

func testLinkConfig(idx int) LinkConfig {
	return LinkConfig{Name: "flannel.1", VNI: 1, Port: 8472, VtepIP: netip.MustParseAddr("192.168.50.1"),
		VtepDevIndex: idx, MTU: 1450}
}

func TestEnsureLink(t *testing.T) {
	ns, idx := underlayNS(t, "link")
	cfg := testLinkConfig(idx)
	vx, err := EnsureLink(ns.NL, cfg)
	if err != nil {
		t.Fatalf("EnsureLink: %v", err)
	}
	if vx.VxlanId != 1 || vx.Port != 8472 || vx.Learning || vx.MTU != 1450 || vx.Flags&net.FlagUp == 0 ||
		!vx.SrcAddr.Equal(net.ParseIP("192.168.50.1")) || vx.VtepDevIndex != idx {
		t.Fatalf("link = %+v", vx)
	}
	out, _ := ns.Run("ip", "-d", "link", "show", "flannel.1")
	t.Logf("created:\n%s", out)
	again, err := EnsureLink(ns.NL, cfg)
	if err != nil {
		t.Fatalf("EnsureLink again: %v", err)
	}
	if again.Index != vx.Index || again.HardwareAddr.String() != vx.HardwareAddr.String() {
		t.Fatalf("compatible link was recreated: index %d→%d mac %s→%s", vx.Index, again.Index, vx.HardwareAddr, again.HardwareAddr)
	}
	if err := ns.NL.LinkSetMTU(again, 1300); err != nil {
		t.Fatal(err)
	}
	if fixed, err := EnsureLink(ns.NL, cfg); err != nil || fixed.MTU != 1450 || fixed.Index != vx.Index {
		t.Fatalf("EnsureLink after MTU change = %+v, %v", fixed, err)
	}
	cfg.VNI = 2
	changed, err := EnsureLink(ns.NL, cfg)
	if err != nil || changed.VxlanId != 2 {
		t.Fatalf("EnsureLink with new VNI = %+v, %v", changed, err)
	}
	if err := EnsureAddr(ns.NL, changed, netip.MustParseAddr("10.244.1.0")); err != nil {
		t.Fatal(err)
	}
	if err := EnsureAddr(ns.NL, changed, netip.MustParseAddr("10.244.7.0")); err != nil {
		t.Fatal(err)
	}
	addrs, _ := ns.NL.AddrList(changed, netlink.FAMILY_V4)
	if len(addrs) != 1 || addrs[0].IPNet.String() != "10.244.7.0/32" {
		t.Fatalf("addresses = %v, want only 10.244.7.0/32", addrs)
	}
	if err := DeleteLink(ns.NL, "flannel.1"); err != nil {
		t.Fatal(err)
	}
	if err := DeleteLink(ns.NL, "flannel.1"); err != nil {
		t.Fatalf("DeleteLink of a missing link: %v", err)
	}
}

func peers(n int) []overlay.Peer {
	ps := make([]overlay.Peer, n)
	for i := range ps {
		ps[i] = overlay.Peer{Name: fmt.Sprintf("node-%04d", i),
			Subnet:   netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(100 + i/256), byte(i % 256), 0}), 24),
			PublicIP: netip.AddrFrom4([4]byte{192, 168, 60 + byte(i/250), byte(i%250 + 2)}),
			VtepMAC:  net.HardwareAddr{0x0a, 0x58, 0, 0, byte(i >> 8), byte(i)}}
	}
	return ps
}

// dump lists what the kernel has on flannel.1, as ip(8) prints it.
func dump(t testing.TB, ns *netnstest.NS) string {
	t.Helper()
	var b strings.Builder
	for _, args := range [][]string{{"route", "show", "dev", "flannel.1"}, {"neigh", "show", "dev", "flannel.1"},
		{"fdb", "show", "dev", "flannel.1"}} {
		out, err := ns.Run("ip", args...)
		if args[0] == "fdb" {
			out, err = ns.Run("bridge", args...)
		}
		if err != nil {
			t.Fatalf("%v: %v %s", args, err, out)
		}
		b.WriteString(out)
	}
	return b.String()
}

func TestReconcile(t *testing.T) {
	ns, idx := underlayNS(t, "rec")
	vx, err := EnsureLink(ns.NL, testLinkConfig(idx))
	if err != nil {
		t.Fatal(err)
	}
	self := overlay.Self{Name: "self", Subnet: netip.MustParsePrefix("10.200.0.0/24")}
	all := peers(3)
	d, _ := overlay.Render(self, netip.Prefix{}, all)
	c, err := Reconcile(ns.NL, vx.Index, d)
	if err != nil || c.RoutesAdded != 3 || c.NeighborsAdded != 3 || c.FDBAdded != 3 || c.RoutesDeleted+c.NeighborsDeleted+c.FDBDeleted != 0 {
		t.Fatalf("first Reconcile = %+v, %v", c, err)
	}
	got := dump(t, ns)
	for _, want := range []string{"10.100.1.0/24 via 10.100.1.0 onlink", "10.100.1.0 lladdr 0a:58:00:00:00:01 PERMANENT",
		"0a:58:00:00:00:01 dst 192.168.60.3 self permanent"} {
		if !strings.Contains(got, want) {
			t.Errorf("kernel state lacks %q:\n%s", want, got)
		}
	}
	if c, err := Reconcile(ns.NL, vx.Index, d); err != nil || c.Total() != 0 {
		t.Fatalf("second Reconcile changed %+v, %v; want nothing", c, err)
	}
	// Stale entries someone else left, and a peer that went away.
	stale := &netlink.Neigh{LinkIndex: vx.Index, Family: netlink.FAMILY_V4, State: netlink.NUD_PERMANENT,
		IP: net.ParseIP("10.250.0.0"), HardwareAddr: net.HardwareAddr{2, 0, 0, 0, 0, 9}}
	if err := ns.NL.NeighSet(stale); err != nil {
		t.Fatal(err)
	}
	d, _ = overlay.Render(self, netip.Prefix{}, all[:1])
	c, err = Reconcile(ns.NL, vx.Index, d)
	if err != nil || c.RoutesDeleted != 2 || c.NeighborsDeleted != 3 || c.FDBDeleted != 2 || c.RoutesAdded+c.NeighborsAdded+c.FDBAdded != 0 {
		t.Fatalf("shrinking Reconcile = %+v, %v", c, err)
	}
	got = dump(t, ns)
	if strings.Contains(got, "10.100.1.0") || strings.Contains(got, "10.250.0.0") || !strings.Contains(got, "10.100.0.0/24 via") {
		t.Fatalf("after shrinking:\n%s", got)
	}
	// A peer that moved to another public IP and MAC is replaced.
	moved := all[:1]
	moved[0].PublicIP, moved[0].VtepMAC = netip.MustParseAddr("192.168.99.9"), net.HardwareAddr{2, 0, 0, 0, 0, 7}
	d, _ = overlay.Render(self, netip.Prefix{}, moved)
	if _, err := Reconcile(ns.NL, vx.Index, d); err != nil {
		t.Fatal(err)
	}
	got = dump(t, ns)
	if !strings.Contains(got, "02:00:00:00:00:07 dst 192.168.99.9") || strings.Contains(got, "0a:58:00:00:00:00") {
		t.Fatalf("after move:\n%s", got)
	}
	if c, err := Reconcile(ns.NL, vx.Index, overlay.Desired{}); err != nil || c.Total() != 3 {
		t.Fatalf("emptying Reconcile = %+v, %v", c, err)
	}
}

// BenchmarkReconcile1000 programs 1,000 peers onto a fresh flannel.1 (the
// issue's target is ≤ 1 s per 1,000 nodes) and then removes them.
func BenchmarkReconcile1000(b *testing.B) {
	ns, idx := underlayNS(b, "bench")
	vx, err := EnsureLink(ns.NL, testLinkConfig(idx))
	if err != nil {
		b.Fatal(err)
	}
	d, _ := overlay.Render(overlay.Self{Name: "self"}, netip.Prefix{}, peers(1000))
	b.ResetTimer()
	for b.Loop() {
		if c, err := Reconcile(ns.NL, vx.Index, d); err != nil || c.RoutesAdded != 1000 {
			b.Fatalf("Reconcile = %+v, %v", c, err)
		}
		b.StopTimer()
		if _, err := Reconcile(ns.NL, vx.Index, overlay.Desired{}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
