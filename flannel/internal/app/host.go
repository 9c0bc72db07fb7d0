package app

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"

	"github.com/coreos/go-iptables/iptables"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/wharfhq/wharf/flannel/internal/config"
)

// host is the node's network namespace: a netlink handle and a way to run
// commands (iptables) inside it.
type host struct {
	nl *netlink.Handle
	ns netns.NsHandle // closed handle = the current namespace
}

func openHost(path string) (*host, error) {
	if path == "" {
		nl, err := netlink.NewHandle()
		if err != nil {
			return nil, fmt.Errorf("netlink: %w", err)
		}
		return &host{nl: nl, ns: netns.None()}, nil
	}
	ns, err := netns.GetFromPath(path)
	if err != nil {
		return nil, fmt.Errorf("open netns %s: %w", path, err)
	}
	nl, err := netlink.NewHandleAt(ns)
	if err != nil {
		ns.Close()
		return nil, fmt.Errorf("netlink in %s: %w", path, err)
	}
	return &host{nl: nl, ns: ns}, nil
}

func (h *host) Close() {
	h.nl.Close()
	if h.ns.IsOpen() {
		h.ns.Close()
	}
}

// do runs fn inside the namespace on a locked thread; processes fn starts
// inherit the namespace.
func (h *host) do(fn func() error) error {
	if !h.ns.IsOpen() {
		return fn()
	}
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("current netns: %w", err)
	}
	defer orig.Close()
	if err := netns.Set(h.ns); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("enter netns: %w", err)
	}
	err = fn()
	if errBack := netns.Set(orig); errBack != nil {
		// Leave the thread locked: the runtime discards it with the goroutine.
		return errors.Join(err, fmt.Errorf("return from netns: %w", errBack))
	}
	runtime.UnlockOSThread()
	return err
}

// iptables runs fn with a go-iptables handle inside the namespace.
func (h *host) iptables(fn func(iptablesAPI) error) error {
	return h.do(func() error {
		ipt, err := iptables.New()
		if err != nil {
			return fmt.Errorf("iptables: %w", err)
		}
		return fn(ipt)
	})
}

// underlay is the interface VXLAN packets leave by.
type underlay struct {
	index int
	mtu   int
	addr  netip.Addr
}

// findUnderlay resolves iface (a name, an IPv4 address, or "" for the default
// route's interface) to its index, MTU and first global IPv4 address.
func (h *host) findUnderlay(iface string) (underlay, error) {
	link, err := h.underlayLink(iface)
	if err != nil {
		return underlay{}, err
	}
	u := underlay{index: link.Attrs().Index, mtu: link.Attrs().MTU}
	if ip, perr := netip.ParseAddr(iface); perr == nil {
		u.addr = ip
		return u, nil
	}
	addrs, err := h.nl.AddrList(link, netlink.FAMILY_V4)
	if err != nil {
		return u, fmt.Errorf("addresses of %s: %w", link.Attrs().Name, err)
	}
	for _, a := range addrs {
		if ip, ok := netip.AddrFromSlice(a.IP); ok && ip.Unmap().IsGlobalUnicast() {
			u.addr = ip.Unmap()
			return u, nil
		}
	}
	return u, fmt.Errorf("interface %s has no global IPv4 address", link.Attrs().Name)
}

func (h *host) underlayLink(iface string) (netlink.Link, error) {
	if ip, err := netip.ParseAddr(iface); err == nil {
		addrs, err := h.nl.AddrList(nil, netlink.FAMILY_V4)
		if err != nil {
			return nil, fmt.Errorf("list addresses: %w", err)
		}
		for _, a := range addrs {
			if got, _ := netip.AddrFromSlice(a.IP); got.Unmap() == ip {
				return h.nl.LinkByIndex(a.LinkIndex)
			}
		}
		return nil, fmt.Errorf("no interface has address %s", ip)
	}
	if iface != "" {
		l, err := h.nl.LinkByName(iface)
		if err != nil {
			return nil, fmt.Errorf("interface %s: %w", iface, err)
		}
		return l, nil
	}
	routes, err := h.nl.RouteList(nil, netlink.FAMILY_V4)
	if err != nil {
		return nil, fmt.Errorf("list routes: %w", err)
	}
	for _, r := range routes {
		if r.Dst == nil || r.Dst.String() == "0.0.0.0/0" {
			return h.nl.LinkByIndex(r.LinkIndex)
		}
	}
	return nil, errors.New("no --iface given and no default route to pick one")
}

// writeSubnetEnv writes upstream's subnet.env atomically.
func writeSubnetEnv(path string, nc *config.NetConf, subnet netip.Prefix, mtu int, ipMasq bool) error {
	first := netip.PrefixFrom(subnet.Addr().Next(), subnet.Bits())
	body := fmt.Sprintf("FLANNEL_NETWORK=%s\nFLANNEL_SUBNET=%s\nFLANNEL_MTU=%d\nFLANNEL_IPMASQ=%t\n",
		nc.Network, first, mtu, ipMasq)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("subnet file dir: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	return nil
}

// iptablesAPI is the go-iptables handle.
type iptablesAPI = *iptables.IPTables
