package network_test

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/wharfhq/wharf/kubelet/internal/containerdtest"
	"github.com/wharfhq/wharf/kubelet/internal/network"
)

// listen opens a TCP echo-once server inside the namespace at path.
func listen(t *testing.T, path string, ip net.IP) string {
	t.Helper()
	var l net.Listener
	err := network.Do(path, func() (err error) {
		l, err = net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			fmt.Fprintf(c, "hi from %s\n", ip)
			c.Close()
		}
	}()
	return l.Addr().String()
}

// dial connects from the namespace at path and returns the greeting.
func dial(path, addr string) (string, error) {
	var line string
	err := network.Do(path, func() error {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		line, err = bufio.NewReader(c).ReadString('\n')
		return err
	})
	return line, err
}

func TestPodNetworking(t *testing.T) {
	node := containerdtest.NetNS(t)
	dir := t.TempDir()
	cfg := network.Config{
		PodCIDR: "10.244.7.0/24", NetNSDir: filepath.Join(dir, "netns"), IPAMDir: filepath.Join(dir, "ipam"),
		MTU: 1400, HostNetNS: node,
	}
	m, err := network.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	a, err := m.Setup("pod-a")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Teardown("pod-a") })
	b, err := m.Setup("pod-b")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Teardown("pod-b") })
	if a.IP.String() != "10.244.7.2" || b.IP.String() != "10.244.7.3" {
		t.Fatalf("IPs = %s, %s", a.IP, b.IP)
	}
	addrA := listen(t, a.NetNS, a.IP)
	for name, from := range map[string]string{"node": node, "pod-b": b.NetNS, "pod-a (hairpin-free self)": a.NetNS} {
		if got, err := dial(from, addrA); err != nil || got != "hi from 10.244.7.2\n" {
			t.Errorf("%s -> pod-a: %q %v", name, got, err)
		}
	}
	checkPodRoute(t, a.NetNS, 1400)

	// A restarted kubelet (new Manager, same dirs) converges to the same state.
	m2, err := network.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	again, err := m2.Setup("pod-a")
	if err != nil || !again.IP.Equal(a.IP) {
		t.Fatalf("setup after restart: %v %v", again, err)
	}
	if got, err := dial(b.NetNS, addrA); err != nil || got == "" {
		t.Errorf("pod-b -> pod-a after restart: %q %v", got, err)
	}
	if err := m2.Teardown("pod-b"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(b.NetNS); !os.IsNotExist(err) {
		t.Errorf("netns file after teardown: %v", err)
	}
	if m2.IP("pod-b") != nil {
		t.Error("IP not released")
	}
	if err := m2.Teardown("pod-b"); err != nil {
		t.Errorf("second teardown: %v", err)
	}
	pods, _ := m2.Pods()
	if len(pods) != 1 || pods[0] != "pod-a" {
		t.Errorf("pods = %v", pods)
	}
}

func checkPodRoute(t *testing.T, path string, mtu int) {
	t.Helper()
	ns, err := netns.GetFromPath(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	routes, err := h.RouteList(nil, netlink.FAMILY_V4)
	if err != nil {
		t.Fatal(err)
	}
	var gw net.IP
	for _, r := range routes {
		if r.Dst == nil || r.Dst.IP.IsUnspecified() {
			gw = r.Gw
		}
	}
	if gw.String() != "10.244.7.1" {
		t.Errorf("default route via %v, routes %v", gw, routes)
	}
	eth, err := h.LinkByName("eth0")
	if err != nil || eth.Attrs().MTU != mtu {
		t.Errorf("eth0: %v %v", eth, err)
	}
}

func TestNewRejectsBadCIDR(t *testing.T) {
	if _, err := network.New(network.Config{PodCIDR: "bogus", IPAMDir: t.TempDir()}); err == nil {
		t.Error("bad podCIDR accepted")
	}
}
