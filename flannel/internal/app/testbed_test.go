package app_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
	"github.com/wharfhq/wharf/flannel/internal/app"
	"github.com/wharfhq/wharf/flannel/internal/config"
	"github.com/wharfhq/wharf/flannel/internal/netnstest"
	"github.com/wharfhq/wharf/proto/client"
)

// testbed is a cluster of "nodes", each a network namespace joined to an
// underlay bridge that lives in a namespace of its own, with a cni0 bridge
// and one pod namespace per node, plus a real apiserver.
type testbed struct {
	t     *testing.T
	under *netnstest.NS
	srv   *apiservertest.Server
	c     *client.Client
}

type testNode struct {
	name     string
	i        int
	ns, pod  *netnstest.NS
	publicIP netip.Addr
	subnet   netip.Prefix
	podIP    netip.Addr
	dir      string
	ipMasq   bool

	logs    syncBuffer
	cancel  context.CancelFunc
	done    chan error
	httpURL string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newTestbed(t *testing.T) *testbed {
	netnstest.Skip(t)
	netnstest.CleanLeftovers(t, "app")
	tb := &testbed{t: t}
	tb.under = netnstest.Add(t, netnstest.Name("app", "ul"))
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "br0"}}
	must(t, tb.under.NL.LinkAdd(br))
	must(t, tb.under.NL.LinkSetUp(br))
	tb.srv = apiservertest.Start(t)
	var err error
	tb.c, err = client.New(&client.Config{Host: tb.srv.URL})
	must(t, err)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: config.ConfigMapName, Namespace: config.ConfigMapNamespace},
		Data: map[string]string{config.ConfigMapKey: `{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan","VNI":1,"Port":8472}}`}}
	_, err = client.ConfigMaps(tb.c, config.ConfigMapNamespace).Create(context.Background(), cm, metav1.CreateOptions{})
	must(t, err)
	return tb
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// addNode builds node i's namespaces and wiring and creates its Node object
// (podCIDR 10.244.i.0/24, InternalIP 192.168.77.(10+i)); it does not start an agent.
func (tb *testbed) addNode(i int) *testNode {
	t := tb.t
	n := &testNode{name: fmt.Sprintf("node-%d", i), i: i,
		publicIP: netip.AddrFrom4([4]byte{192, 168, 77, byte(10 + i)}),
		subnet:   netip.MustParsePrefix(fmt.Sprintf("10.244.%d.0/24", i)),
		podIP:    netip.AddrFrom4([4]byte{10, 244, byte(i), 2}), dir: t.TempDir()}
	n.ns = netnstest.Add(t, netnstest.Name("app", fmt.Sprintf("n%d", i)))
	n.pod = netnstest.Add(t, netnstest.Name("app", fmt.Sprintf("p%d", i)))
	// Underlay: eth0 in the node, its peer on br0.
	uname := fmt.Sprintf("n%d", i)
	must(t, tb.under.NL.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: uname, MTU: 1500},
		PeerName: "eth0", PeerNamespace: netlink.NsFd(n.ns.Handle)}))
	setUp(t, tb.under.NL, uname, "br0", "")
	setUp(t, n.ns.NL, "eth0", "", n.publicIP.String()+"/24")
	must(t, n.ns.Sysctl("net.ipv4.ip_forward", "1"))
	// cni0 with the gateway, and the pod's veth.
	must(t, n.ns.NL.LinkAdd(&netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "cni0", MTU: 1450}}))
	setUp(t, n.ns.NL, "cni0", "", fmt.Sprintf("10.244.%d.1/24", i))
	must(t, n.ns.NL.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "vethpod", MTU: 1450},
		PeerName: "eth0", PeerNamespace: netlink.NsFd(n.pod.Handle)}))
	setUp(t, n.ns.NL, "vethpod", "cni0", "")
	setUp(t, n.pod.NL, "eth0", "", n.podIP.String()+"/24")
	gw := net.IPv4(10, 244, byte(i), 1)
	must(t, n.pod.NL.RouteAdd(&netlink.Route{Gw: gw}))

	// Like a kubelet-registered Node, it has annotations (upstream flanneld
	// v0.28.10 panics on a Node without any).
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n.name, Annotations: map[string]string{"node.alpha.kubernetes.io/ttl": "0"}},
		Spec: corev1.NodeSpec{PodCIDR: n.subnet.String()}}
	_, err := client.Nodes(tb.c).Create(context.Background(), node, metav1.CreateOptions{})
	must(t, err)
	status := fmt.Sprintf(`{"status":{"addresses":[{"type":"InternalIP","address":"%s"}]}}`, n.publicIP)
	_, err = client.Nodes(tb.c).Patch(context.Background(), n.name, "application/merge-patch+json", []byte(status),
		metav1.PatchOptions{}, "status")
	must(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs of %s:\n%s", n.name, n.logs.String())
		}
	})
	return n
}

// setUp puts link name up, optionally under master and with addr.
func setUp(t testing.TB, h *netlink.Handle, name, master, addr string) {
	t.Helper()
	l, err := h.LinkByName(name)
	must(t, err)
	if master != "" {
		m, err := h.LinkByName(master)
		must(t, err)
		must(t, h.LinkSetMaster(l, m))
	}
	if addr != "" {
		a, err := netlink.ParseAddr(addr)
		must(t, err)
		must(t, h.AddrAdd(l, a))
	}
	must(t, h.LinkSetUp(l))
}

// start runs wharf-flannel for n in-process, programming n's namespace.
func (tb *testbed) start(n *testNode) {
	t := tb.t
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	n.httpURL = "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel, n.done = cancel, make(chan error, 1)
	opts := app.Options{Kubeconfig: tb.srv.Kubeconfig, NodeName: n.name, Iface: "eth0",
		SubnetFile: filepath.Join(n.dir, "subnet.env"), NetNS: n.ns.Path(), HTTPListener: ln, IPMasq: n.ipMasq,
		Logger: slog.New(slog.NewTextHandler(&n.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	go func() { n.done <- app.Run(ctx, opts) }()
	t.Cleanup(func() { tb.stop(n) })
}

// stop stops n's agent and waits for Run to return.
func (tb *testbed) stop(n *testNode) {
	if n.cancel == nil {
		return
	}
	n.cancel()
	if err := <-n.done; err != nil {
		tb.t.Errorf("Run(%s) = %v", n.name, err)
	}
	n.cancel = nil
}

// waitHealthy polls n's /healthz until it answers 200.
func (tb *testbed) waitHealthy(n *testNode) {
	tb.t.Helper()
	eventually(tb.t, 20*time.Second, func() error {
		resp, err := http.Get(n.httpURL + "/healthz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("healthz %d", resp.StatusCode)
		}
		return nil
	})
}

// eventually polls f every 10ms until it returns nil or timeout passes.
func eventually(t testing.TB, timeout time.Duration, f func() error) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		err := f()
		if err == nil {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("not true after %v: %v", timeout, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ipShow runs "ip <args>" (or "bridge fdb show ...") in ns.
func ipShow(t testing.TB, ns *netnstest.NS, cmd string, args ...string) string {
	t.Helper()
	out, err := ns.Run(cmd, args...)
	if err != nil {
		t.Fatalf("%s %v in %s: %v\n%s", cmd, args, ns.Name, err, out)
	}
	return out
}

// overlayState is flannel.1's routes, neighbours and FDB in ns.
func overlayState(t testing.TB, ns *netnstest.NS) string {
	return ipShow(t, ns, "ip", "route", "show", "dev", "flannel.1") +
		ipShow(t, ns, "ip", "neigh", "show", "dev", "flannel.1") +
		ipShow(t, ns, "bridge", "fdb", "show", "dev", "flannel.1")
}

func hasAll(s string, subs ...string) error {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return fmt.Errorf("missing %q in:\n%s", sub, s)
		}
	}
	return nil
}
