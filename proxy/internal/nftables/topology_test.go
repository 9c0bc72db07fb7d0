package nftables

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wharfhq/wharf/proxy/internal/netnstest"
)

// Topology (the test itself runs in the node netns):
//
//	client netns ──veth 192.168.77.2/.1──► node netns ──bridge wbr0 10.244.1.1/24──► pod netns p1 p2 p3
//	                                       (syncer)                                    10.244.1.11-13:8080
//	                                            └─ default route ──► "up" netns 192.168.88.2
const (
	nsPrefix = "wharf-pt-nft-"
	nodeIP   = "192.168.77.1"
)

func podIP(i int) string { return fmt.Sprintf("10.244.1.%d", 10+i) }

func podNS(tag string, i int) string { return fmt.Sprintf("%s%s-p%d", nsPrefix, tag, i) }

// buildTopology creates the client and pod namespaces around the current
// (node) one and starts a TCP server in each pod that answers its name.
// It returns the client namespace.
func buildTopology(t *testing.T, tag string, pods int) string {
	client := nsPrefix + tag + "-cl"
	netnstest.Add(t, client)
	must := func(args ...string) { netnstest.Must(t, args[0], args[1:]...) }
	must("ip", "link", "add", "wup0", "type", "veth", "peer", "name", "eth0", "netns", client)
	must("ip", "addr", "add", nodeIP+"/24", "dev", "wup0")
	must("ip", "link", "set", "wup0", "up")
	// A default route so that cluster IPs are routable; not via the client,
	// since the kernel sends no ICMP error (our reject) back out the
	// interface a forwarded packet came in on towards its own sender.
	up := nsPrefix + tag + "-up"
	netnstest.Add(t, up)
	must("ip", "link", "add", "wdef0", "type", "veth", "peer", "name", "eth0", "netns", up)
	must("ip", "addr", "add", "192.168.88.1/24", "dev", "wdef0")
	must("ip", "link", "set", "wdef0", "up")
	must("ip", "-n", up, "addr", "add", "192.168.88.2/24", "dev", "eth0")
	must("ip", "-n", up, "link", "set", "eth0", "up")
	must("ip", "route", "add", "default", "via", "192.168.88.2")
	must("ip", "-n", client, "addr", "add", "192.168.77.2/24", "dev", "eth0")
	must("ip", "-n", client, "link", "set", "eth0", "up")
	must("ip", "-n", client, "route", "add", "default", "via", nodeIP)
	must("ip", "link", "add", "wbr0", "type", "bridge")
	must("ip", "addr", "add", "10.244.1.1/24", "dev", "wbr0")
	must("ip", "link", "set", "wbr0", "up")
	if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= pods; i++ {
		pod, veth := podNS(tag, i), fmt.Sprintf("wvp%d", i)
		netnstest.Add(t, pod)
		must("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", pod)
		must("ip", "link", "set", veth, "master", "wbr0", "up")
		// As the CNI bridge plugin's hairpinMode: with br_netfilter, a pod
		// reaching itself through a service is bridged back out its port.
		must("ip", "link", "set", veth, "type", "bridge_slave", "hairpin", "on")
		must("ip", "-n", pod, "addr", "add", podIP(i)+"/24", "dev", "eth0")
		must("ip", "-n", pod, "link", "set", "eth0", "up")
		must("ip", "-n", pod, "route", "add", "default", "via", "10.244.1.1")
		startServer(t, pod, fmt.Sprintf("pod%d", i), podIP(i)+":8080")
	}
	return client
}

// startServer runs TestHelperServer of this binary in netns ns.
func startServer(t *testing.T, ns, name, addr string) {
	cmd := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run", "^TestHelperServer$")
	cmd.Env = append(os.Environ(), "WHARF_PT_SERVER="+name+"@"+addr)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "listening\n" {
		t.Fatalf("server %s: %q %v", name, line, err)
	}
}

// TestHelperServer is not a test: in a pod netns it answers every TCP
// connection with the pod's name until killed.
func TestHelperServer(t *testing.T) {
	spec := os.Getenv("WHARF_PT_SERVER")
	if spec == "" {
		t.Skip("helper process only")
	}
	var name, addr string
	for i := range spec {
		if spec[i] == '@' {
			name, addr = spec[:i], spec[i+1:]
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("listening")
	for {
		c, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Write([]byte(name))
		_ = c.Close()
	}
}

// dialIn connects to addr from netns ns ("" = this one) and returns what
// the server said.
func dialIn(ns, addr string) (string, error) {
	type result struct {
		s   string
		err error
	}
	ch := make(chan result, 1)
	go func() {
		if ns != "" {
			// The thread stays locked, so it dies with this goroutine
			// instead of going back to the pool in the other netns.
			runtime.LockOSThread()
			fd, err := unix.Open("/var/run/netns/"+ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				ch <- result{err: err}
				return
			}
			defer unix.Close(fd)
			if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
				ch <- result{err: err}
				return
			}
		}
		c, err := net.DialTimeout("tcp", addr, 3*time.Second)
		if err != nil {
			ch <- result{err: err}
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(3 * time.Second))
		buf := make([]byte, 64)
		n, err := c.Read(buf)
		ch <- result{string(buf[:n]), err}
	}()
	r := <-ch
	return r.s, r.err
}
