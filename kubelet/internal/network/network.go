package network

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/wharfhq/wharf/kubelet/internal/ipam"
)

// DefaultBridge is the pod bridge's name.
const DefaultBridge = "cni0"

// podIfName is the pod side of the veth pair.
const podIfName = "eth0"

// Config configures a Manager.
type Config struct {
	// PodCIDR is the node's spec.podCIDR.
	PodCIDR string
	// NetNSDir holds the pods' namespace files; IPAMDir the allocations.
	NetNSDir, IPAMDir string
	// Bridge defaults to DefaultBridge; MTU 0 means 1500.
	Bridge string
	MTU    int
	// HostNetNS, if set, is the namespace file of the "node" network the
	// bridge lives in; "" means the kubelet's own namespace.
	HostNetNS string
}

// Result is a pod's network.
type Result struct {
	NetNS string
	IP    net.IP
}

// Manager wires pods into the node network. It is safe for concurrent
// use; netlink calls on the node namespace are serialized.
type Manager struct {
	cfg  Config
	ipam *ipam.Store
	mu   sync.Mutex // guards host
	host *netlink.Handle
}

// New ensures the bridge exists with the gateway address and returns a
// Manager.
func New(cfg Config) (*Manager, error) {
	if cfg.Bridge == "" {
		cfg.Bridge = DefaultBridge
	}
	if cfg.MTU == 0 {
		cfg.MTU = 1500
	}
	store, err := ipam.New(cfg.IPAMDir, cfg.PodCIDR)
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	host, err := handleFor(cfg.HostNetNS)
	if err != nil {
		return nil, err
	}
	m := &Manager{cfg: cfg, ipam: store, host: host}
	if err := m.ensureBridge(); err != nil {
		host.Close()
		return nil, err
	}
	return m, nil
}

// Close releases the netlink handle.
func (m *Manager) Close() { m.host.Close() }

// Gateway returns the bridge's address.
func (m *Manager) Gateway() net.IP { return m.ipam.Gateway() }

func handleFor(path string) (*netlink.Handle, error) {
	if path == "" {
		h, err := netlink.NewHandle()
		if err != nil {
			return nil, fmt.Errorf("network: netlink: %w", err)
		}
		return h, nil
	}
	ns, err := netns.GetFromPath(path)
	if err != nil {
		return nil, fmt.Errorf("network: open netns %s: %w", path, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return nil, fmt.Errorf("network: netlink in %s: %w", path, err)
	}
	return h, nil
}

func (m *Manager) ensureBridge() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	br, err := m.host.LinkByName(m.cfg.Bridge)
	var notFound netlink.LinkNotFoundError
	if errors.As(err, &notFound) {
		attrs := netlink.NewLinkAttrs()
		attrs.Name, attrs.MTU = m.cfg.Bridge, m.cfg.MTU
		if err := m.host.LinkAdd(&netlink.Bridge{LinkAttrs: attrs}); err != nil {
			return fmt.Errorf("network: add bridge %s: %w", m.cfg.Bridge, err)
		}
		br, err = m.host.LinkByName(m.cfg.Bridge)
	}
	if err != nil {
		return fmt.Errorf("network: bridge %s: %w", m.cfg.Bridge, err)
	}
	if _, ok := br.(*netlink.Bridge); !ok {
		return fmt.Errorf("network: %s exists and is a %s, not a bridge", m.cfg.Bridge, br.Type())
	}
	mask := m.ipam.Subnet().Mask
	addr := &netlink.Addr{IPNet: &net.IPNet{IP: m.ipam.Gateway(), Mask: mask}}
	if err := m.host.AddrReplace(br, addr); err != nil {
		return fmt.Errorf("network: address %s on %s: %w", addr, m.cfg.Bridge, err)
	}
	if err := m.host.LinkSetUp(br); err != nil {
		return fmt.Errorf("network: up %s: %w", m.cfg.Bridge, err)
	}
	return nil
}

// NetNSPath returns the namespace file of pod uid.
func (m *Manager) NetNSPath(uid string) string { return filepath.Join(m.cfg.NetNSDir, uid) }

// HostVeth names the node side of pod uid's veth pair (<= 15 bytes).
func HostVeth(uid string) string {
	sum := sha256.Sum256([]byte(uid))
	return "veth" + hex.EncodeToString(sum[:])[:11]
}

// Setup creates or repairs pod uid's namespace, veth pair, address and
// routes, and returns them.
func (m *Manager) Setup(uid string) (Result, error) {
	ip, err := m.ipam.Allocate(uid)
	if err != nil {
		return Result{}, fmt.Errorf("network: %w", err)
	}
	path := m.NetNSPath(uid)
	if !IsNetNS(path) {
		if err := DeleteNetNS(path); err != nil {
			return Result{}, err
		}
		if err := CreateNetNS(path); err != nil {
			return Result{}, err
		}
	}
	ns, err := netns.GetFromPath(path)
	if err != nil {
		return Result{}, fmt.Errorf("network: open %s: %w", path, err)
	}
	defer ns.Close()
	pod, err := netlink.NewHandleAt(ns)
	if err != nil {
		return Result{}, fmt.Errorf("network: netlink in %s: %w", path, err)
	}
	defer pod.Close()
	if err := m.ensureVeth(uid, ns, pod); err != nil {
		return Result{}, err
	}
	if err := m.configurePod(pod, ip); err != nil {
		return Result{}, err
	}
	return Result{NetNS: path, IP: ip}, nil
}

// ensureVeth makes sure the node side exists on the bridge, up, with
// hairpin, and its peer is eth0 in the pod.
func (m *Manager) ensureVeth(uid string, ns netns.NsHandle, pod *netlink.Handle) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	name := HostVeth(uid)
	br, err := m.host.LinkByName(m.cfg.Bridge)
	if err != nil {
		return fmt.Errorf("network: bridge: %w", err)
	}
	hostLink, hostErr := m.host.LinkByName(name)
	_, podErr := pod.LinkByName(podIfName)
	if hostErr == nil && podErr != nil {
		// Half of a pair from an interrupted setup: start over.
		_ = m.host.LinkDel(hostLink)
		hostErr = podErr
	}
	if hostErr != nil {
		attrs := netlink.NewLinkAttrs()
		attrs.Name, attrs.MTU, attrs.MasterIndex = name, m.cfg.MTU, br.Attrs().Index
		veth := &netlink.Veth{LinkAttrs: attrs, PeerName: podIfName, PeerNamespace: netlink.NsFd(int(ns)), PeerMTU: uint32(m.cfg.MTU)}
		if err := m.host.LinkAdd(veth); err != nil {
			return fmt.Errorf("network: add veth %s: %w", name, err)
		}
		if hostLink, err = m.host.LinkByName(name); err != nil {
			return fmt.Errorf("network: veth %s: %w", name, err)
		}
	}
	if hostLink.Attrs().MasterIndex != br.Attrs().Index {
		if err := m.host.LinkSetMaster(hostLink, br); err != nil {
			return fmt.Errorf("network: %s to bridge: %w", name, err)
		}
	}
	if err := m.host.LinkSetUp(hostLink); err != nil {
		return fmt.Errorf("network: up %s: %w", name, err)
	}
	if err := m.host.LinkSetHairpin(hostLink, true); err != nil {
		return fmt.Errorf("network: hairpin on %s: %w", name, err)
	}
	return nil
}

func (m *Manager) configurePod(pod *netlink.Handle, ip net.IP) error {
	lo, err := pod.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("network: pod lo: %w", err)
	}
	if err := pod.LinkSetUp(lo); err != nil {
		return fmt.Errorf("network: pod lo up: %w", err)
	}
	eth, err := pod.LinkByName(podIfName)
	if err != nil {
		return fmt.Errorf("network: pod %s: %w", podIfName, err)
	}
	addr := &netlink.Addr{IPNet: &net.IPNet{IP: ip, Mask: m.ipam.Subnet().Mask}}
	if err := pod.AddrReplace(eth, addr); err != nil {
		return fmt.Errorf("network: pod address %s: %w", addr, err)
	}
	if err := pod.LinkSetUp(eth); err != nil {
		return fmt.Errorf("network: pod %s up: %w", podIfName, err)
	}
	route := &netlink.Route{LinkIndex: eth.Attrs().Index, Gw: m.ipam.Gateway(), Dst: nil}
	if err := pod.RouteReplace(route); err != nil {
		return fmt.Errorf("network: pod default route: %w", err)
	}
	return nil
}

// Teardown removes pod uid's veth, namespace file and IP.
func (m *Manager) Teardown(uid string) error {
	m.mu.Lock()
	if l, err := m.host.LinkByName(HostVeth(uid)); err == nil {
		if err := m.host.LinkDel(l); err != nil {
			m.mu.Unlock()
			return fmt.Errorf("network: delete veth: %w", err)
		}
	}
	m.mu.Unlock()
	if err := DeleteNetNS(m.NetNSPath(uid)); err != nil {
		return err
	}
	if err := m.ipam.Release(uid); err != nil {
		return fmt.Errorf("network: %w", err)
	}
	return nil
}

// Pods returns the UIDs that hold a namespace file or an IP.
func (m *Manager) Pods() ([]string, error) {
	seen := map[string]bool{}
	entries, err := os.ReadDir(m.cfg.NetNSDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("network: %w", err)
	}
	for _, e := range entries {
		seen[e.Name()] = true
	}
	allocs, err := m.ipam.Allocations()
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	for _, owner := range allocs {
		seen[owner] = true
	}
	out := make([]string, 0, len(seen))
	for uid := range seen {
		out = append(out, uid)
	}
	return out, nil
}

// IP returns pod uid's allocated address, or nil.
func (m *Manager) IP(uid string) net.IP {
	allocs, err := m.ipam.Allocations()
	if err != nil {
		return nil
	}
	for ip, owner := range allocs {
		if owner == uid {
			return net.ParseIP(ip)
		}
	}
	return nil
}
