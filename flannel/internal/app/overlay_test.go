package app_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/flannel/internal/app"
	"github.com/wharfhq/wharf/flannel/internal/kubesubnet"
	"github.com/wharfhq/wharf/proto/client"
)

// reach checks that src's pod reaches dst's pod by ping and TCP.
func reach(t *testing.T, src, dst *testNode, tcpAddr string) error {
	t.Helper()
	if err := ping(src.pod, dst.podIP, 300*time.Millisecond); err != nil {
		return fmt.Errorf("%s → %s: %w", src.name, dst.name, err)
	}
	if err := tcpEcho(src.pod, tcpAddr); err != nil {
		return fmt.Errorf("%s → %s tcp: %w", src.name, dst.name, err)
	}
	return nil
}

// echoServer starts a TCP echo server in n's pod and returns its address.
func echoServer(t *testing.T, n *testNode) string {
	c, addr, err := listenIn(n.pod, "tcp", n.podIP)
	must(t, err)
	ln := c.(net.Listener)
	t.Cleanup(func() { ln.Close() })
	go serveEcho(ln)
	return addr
}

func TestOverlay(t *testing.T) {
	tb := newTestbed(t)
	a, b := tb.addNode(1), tb.addNode(2)
	a.ipMasq = true
	tb.start(a)
	tb.start(b)
	tb.waitHealthy(a)
	tb.waitHealthy(b)
	echoA, echoB := echoServer(t, a), echoServer(t, b)

	t.Run("two nodes reach each other", func(t *testing.T) {
		took := eventually(t, 10*time.Second, func() error {
			return errorsJoin(reach(t, a, b, echoB), reach(t, b, a, echoA))
		})
		t.Logf("pods on A and B reach each other %v after both agents were healthy", took)
		checkNodeState(t, tb, a)
		checkNoMasqBetweenPods(t, a, b)
	})

	t.Run("restart loses no packets", func(t *testing.T) {
		udp, udpAddr, err := listenIn(b.pod, "udp", b.podIP)
		must(t, err)
		defer udp.Close()
		s, err := startStream(a.pod, echoB, udp.(net.PacketConn), udpAddr)
		must(t, err)
		time.Sleep(300 * time.Millisecond)
		for _, n := range []*testNode{a, b} {
			tb.stop(n)
			tb.start(n)
			tb.waitHealthy(n)
		}
		time.Sleep(300 * time.Millisecond)
		s.stop()
		if s.tcpErr != nil {
			t.Errorf("TCP stream broke during restart: %v", s.tcpErr)
		}
		t.Logf("during restart: TCP echoed %d bytes, UDP %d sent, %d received", s.tcpBytes.Load(), s.udpSent.Load(), s.udpGot.Load())
		if len(s.udpMissing) > 0 || s.udpSent.Load() < 100 {
			t.Errorf("UDP: %d sent, %d lost (first %v)", s.udpSent.Load(), len(s.udpMissing), s.udpMissing[:min(5, len(s.udpMissing))])
		}
	})

	c := tb.addNode(3)
	t.Run("third node added later", func(t *testing.T) {
		tb.start(c)
		echoC := echoServer(t, c)
		published := waitPublished(t, tb, c)
		took := eventually(t, 10*time.Second, func() error {
			return hasAll(overlayState(t, a.ns), "10.244.3.0/24 via 10.244.3.0 onlink")
		})
		t.Logf("node-3 route on node-1 %v after node-3 published its VTEP (%v after its agent started)", took, published+took)
		eventually(t, 5*time.Second, func() error {
			return errorsJoin(reach(t, a, c, echoC), reach(t, c, b, echoB), reach(t, b, c, echoC))
		})
	})

	t.Run("deleted node disappears", func(t *testing.T) {
		node, err := client.Nodes(tb.c).Get(context.Background(), c.name, metav1.GetOptions{})
		must(t, err)
		peer, err := kubesubnet.PeerOf(node, 1)
		must(t, err)
		tb.stop(c)
		must(t, client.Nodes(tb.c).Delete(context.Background(), c.name, metav1.DeleteOptions{}))
		for _, n := range []*testNode{a, b} {
			eventually(t, 10*time.Second, func() error {
				s := overlayState(t, n.ns)
				for _, gone := range []string{"10.244.3.0", peer.VtepMAC.String(), c.publicIP.String()} {
					if strings.Contains(s, gone) {
						return fmt.Errorf("%s still has %s:\n%s", n.name, gone, s)
					}
				}
				return hasAll(s, fmt.Sprintf("10.244.%d.0/24", 3-n.i))
			})
		}
		if err := reach(t, a, b, echoB); err != nil {
			t.Fatalf("A → B after deleting C: %v", err)
		}
	})
}

// checkNodeState verifies n's device, annotations, subnet.env and metrics.
func checkNodeState(t *testing.T, tb *testbed, n *testNode) {
	link := ipShow(t, n.ns, "ip", "-d", "link", "show", "flannel.1")
	if err := hasAll(link, "mtu 1450", "vxlan id 1", "local "+n.publicIP.String(), "dev eth0", "dstport 8472", "nolearning"); err != nil {
		t.Error(err)
	}
	node, err := client.Nodes(tb.c).Get(context.Background(), n.name, metav1.GetOptions{})
	must(t, err)
	ann := node.Annotations
	mac := strings.Fields(link[strings.Index(link, "link/ether"):])[1]
	if ann[kubesubnet.AnnBackendType] != "vxlan" || ann[kubesubnet.AnnPublicIP] != n.publicIP.String() ||
		ann[kubesubnet.AnnKubeSubnetManager] != "true" ||
		ann[kubesubnet.AnnBackendData] != fmt.Sprintf(`{"VNI":1,"VtepMAC":"%s"}`, mac) {
		t.Errorf("annotations = %v (flannel.1 MAC %s)", ann, mac)
	}
	env, err := os.ReadFile(n.dir + "/subnet.env")
	must(t, err)
	want := fmt.Sprintf("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.%d.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=%t\n", n.i, n.ipMasq)
	if string(env) != want {
		t.Errorf("subnet.env = %q, want %q", env, want)
	}
	resp, err := http.Get(n.httpURL + "/metrics")
	must(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := hasAll(string(body), "wharf_flannel_peers 1", `wharf_flannel_syncs_total{result="ok"}`); err != nil {
		t.Error(err)
	}
}

// waitPublished waits until n's Node carries its VTEP and returns how long
// after the call that was.
func waitPublished(t *testing.T, tb *testbed, n *testNode) time.Duration {
	return eventually(t, 20*time.Second, func() error {
		node, err := client.Nodes(tb.c).Get(context.Background(), n.name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		_, err = kubesubnet.PeerOf(node, 1)
		return err
	})
}

func errorsJoin(errs ...error) error {
	var msgs []string
	for _, e := range errs {
		if e != nil {
			msgs = append(msgs, e.Error())
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(msgs, "; "))
}

// checkNoMasqBetweenPods checks a's masquerade rules exist and that b's pod
// still sees a's pod IP as the source.
func checkNoMasqBetweenPods(t *testing.T, a, b *testNode) {
	nat := ipShow(t, a.ns, "iptables", "-t", "nat", "-S")
	if err := hasAll(nat, "-A POSTROUTING -m comment --comment flanneld-masq -j FLANNEL-POSTRTG",
		"-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment flanneld-masq -j RETURN",
		"-j MASQUERADE --random-fully"); err != nil {
		t.Error(err)
	}
	c, addr, err := listenIn(b.pod, "tcp", b.podIP)
	must(t, err)
	ln := c.(net.Listener)
	defer ln.Close()
	conn, err := dialIn(a.pod, "tcp4", addr)
	must(t, err)
	defer conn.Close()
	got, err := ln.Accept()
	must(t, err)
	defer got.Close()
	if src := got.RemoteAddr().(*net.TCPAddr).IP.String(); src != a.podIP.String() {
		t.Errorf("pod-to-pod source seen by %s = %s, want %s (not masqueraded)", b.name, src, a.podIP)
	}
}

// TestCleanup checks --cleanup removes flannel.1 and the masquerade chain.
func TestCleanup(t *testing.T) {
	tb := newTestbed(t)
	n := tb.addNode(1)
	n.ipMasq = true
	tb.start(n)
	tb.waitHealthy(n)
	tb.stop(n)
	if out := ipShow(t, n.ns, "ip", "link", "show"); !strings.Contains(out, "flannel.1") {
		t.Fatalf("flannel.1 gone after a plain stop (it must survive restarts):\n%s", out)
	}
	err := app.Run(context.Background(), app.Options{NetNS: n.ns.Path(), Cleanup: true})
	must(t, err)
	if out := ipShow(t, n.ns, "ip", "link", "show"); strings.Contains(out, "flannel.1") {
		t.Errorf("flannel.1 still there after cleanup:\n%s", out)
	}
	if out := ipShow(t, n.ns, "iptables", "-t", "nat", "-S"); strings.Contains(out, "FLANNEL") {
		t.Errorf("masquerade rules still there after cleanup:\n%s", out)
	}
}
