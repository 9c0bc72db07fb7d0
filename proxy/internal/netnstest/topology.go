package netnstest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Addresses of the namespaces a Topology builds.
const (
	NodeIP   = "192.168.77.1" // the node (current) netns, on the client's link
	ClientIP = "192.168.77.2" // the client netns
	podGW    = "10.244.1.1"   // the node on the pods' bridge
	// PodPort is where every pod's server listens.
	PodPort = 8080
)

// PodIP is the address of pod i (1-based): 10.244.1.(10+i).
func PodIP(i int) string { return fmt.Sprintf("10.244.1.%d", 10+i) }

// Topology describes namespaces around the current one, which plays the
// node (and runs the proxy or syncer under test):
//
//	client netns ──veth 192.168.77.2/.1──► node netns ──bridge wbr0 10.244.1.1/24──► pod netns p1 p2 p3
//	                                                                                  10.244.1.11-13:8080
//	                                            └─ default route ──► "up" netns 192.168.88.2
//
// Each pod runs a TCP server on PodIP(i):PodPort that answers every
// connection with "pod<i>" and closes it.
type Topology struct {
	Prefix  string // of the namespaces' names, "wharf-pt-<package>-"
	Tag     string // tells this test's namespaces from others'
	Pods    int    // how many pod namespaces
	Hairpin bool   // turn on hairpin on the pods' bridge ports, as the CNI bridge plugin's hairpinMode
}

// ClientNS is the name of the client namespace.
func (tp Topology) ClientNS() string { return tp.Prefix + tp.Tag + "-cl" }

// PodNS is the name of pod i's namespace (1-based).
func (tp Topology) PodNS(i int) string { return fmt.Sprintf("%s%s-p%d", tp.Prefix, tp.Tag, i) }

// Build creates the namespaces, links and routes, enables forwarding in the
// current netns and starts the pods' servers; all are removed when t ends.
// It returns the client namespace's name.
func (tp Topology) Build(t testing.TB) string {
	t.Helper()
	client := tp.ClientNS()
	Add(t, client)
	Must(t, "ip", "link", "add", "wup0", "type", "veth", "peer", "name", "eth0", "netns", client)
	Must(t, "ip", "addr", "add", NodeIP+"/24", "dev", "wup0")
	Must(t, "ip", "link", "set", "wup0", "up")
	tp.addUplink(t)
	Must(t, "ip", "-n", client, "addr", "add", ClientIP+"/24", "dev", "eth0")
	Must(t, "ip", "-n", client, "link", "set", "eth0", "up")
	Must(t, "ip", "-n", client, "route", "add", "default", "via", NodeIP)
	Must(t, "ip", "link", "add", "wbr0", "type", "bridge")
	Must(t, "ip", "addr", "add", podGW+"/24", "dev", "wbr0")
	Must(t, "ip", "link", "set", "wbr0", "up")
	if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= tp.Pods; i++ {
		tp.addPod(t, i)
	}
	return client
}

// addUplink gives the node a default route, as on a real node, so that
// cluster IPs are routable. Not via the client: the kernel sends no ICMP
// error (a reject) back out the interface a forwarded packet came in on
// towards its own sender.
func (tp Topology) addUplink(t testing.TB) {
	up := tp.Prefix + tp.Tag + "-up"
	Add(t, up)
	Must(t, "ip", "link", "add", "wdef0", "type", "veth", "peer", "name", "eth0", "netns", up)
	Must(t, "ip", "addr", "add", "192.168.88.1/24", "dev", "wdef0")
	Must(t, "ip", "link", "set", "wdef0", "up")
	Must(t, "ip", "-n", up, "addr", "add", "192.168.88.2/24", "dev", "eth0")
	Must(t, "ip", "-n", up, "link", "set", "eth0", "up")
	Must(t, "ip", "route", "add", "default", "via", "192.168.88.2")
}

// addPod creates pod i's namespace on the bridge and starts its server.
func (tp Topology) addPod(t testing.TB, i int) {
	pod, veth := tp.PodNS(i), fmt.Sprintf("wvp%d", i)
	Add(t, pod)
	Must(t, "ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", pod)
	Must(t, "ip", "link", "set", veth, "master", "wbr0", "up")
	if tp.Hairpin {
		// With br_netfilter, a pod reaching itself through a service is
		// bridged back out its own port.
		Must(t, "ip", "link", "set", veth, "type", "bridge_slave", "hairpin", "on")
	}
	Must(t, "ip", "-n", pod, "addr", "add", PodIP(i)+"/24", "dev", "eth0")
	Must(t, "ip", "-n", pod, "link", "set", "eth0", "up")
	Must(t, "ip", "-n", pod, "route", "add", "default", "via", podGW)
	Serve(t, pod, net.JoinHostPort(PodIP(i), fmt.Sprint(PodPort)), fmt.Sprintf("pod%d", i))
}

// Serve listens on addr in netns ns and answers every TCP connection with
// name until t ends.
func Serve(t testing.TB, ns, addr, name string) {
	t.Helper()
	var ln net.Listener
	err := inNetns(ns, func() error {
		var err error
		ln, err = net.Listen("tcp", addr)
		return err
	})
	if err != nil {
		t.Fatalf("server %s in netns %s: %v", name, ns, err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				t.Errorf("server %s: %v", name, err)
				return
			}
			_, _ = c.Write([]byte(name))
			_ = c.Close()
		}
	})
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
}

// DialIn connects to addr from netns ns ("" = this one) and returns what
// the server said.
func DialIn(ns, addr string) (string, error) {
	var s string
	err := inNetns(ns, func() error {
		c, err := net.DialTimeout("tcp", addr, 3*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(3 * time.Second))
		buf := make([]byte, 64)
		n, err := c.Read(buf)
		s = string(buf[:n])
		return err
	})
	return s, err
}

// inNetns runs f on an OS thread of its own in netns ns ("" = this one).
// Sockets f opens stay in ns after it returns.
func inNetns(ns string, f func() error) error {
	errc := make(chan error, 1)
	go func() {
		if ns != "" {
			// The thread is left locked, so it dies with this goroutine
			// instead of going back to the pool in the other netns.
			runtime.LockOSThread()
			fd, err := unix.Open("/var/run/netns/"+ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				errc <- err
				return
			}
			defer unix.Close(fd)
			if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
				errc <- fmt.Errorf("setns %s: %w", ns, err)
				return
			}
		}
		errc <- f()
	}()
	return <-errc
}
