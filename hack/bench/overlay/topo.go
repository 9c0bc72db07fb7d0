package main

import (
	"fmt"
	"os/exec"
	"strings"
)

// Namespaces are wharf-ft-bench-*: ul (the underlay bridge), n1/n2 (nodes),
// p1/p2 (one pod per node).
const nsPrefix = "wharf-ft-bench-"

func nsName(s string) string { return nsPrefix + s }

// sh runs a command and returns its output, failing with the output.
func sh(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// ipn runs "ip -n <ns> args...".
func ipn(ns string, args ...string) error {
	_, err := sh("ip", append([]string{"-n", nsName(ns)}, args...)...)
	return err
}

// cleanLeftovers deletes every wharf-ft-bench-* namespace.
func cleanLeftovers() {
	out, _ := sh("ip", "netns", "list")
	for _, line := range strings.Split(out, "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		if strings.HasPrefix(name, nsPrefix) {
			_, _ = sh("ip", "netns", "del", name)
		}
	}
}

// buildTopology creates the underlay bridge, two nodes with eth0 on it
// (192.168.77.1i/24), cni0 (10.244.i.1/24) and a pod (10.244.i.2) with
// MTU podMTU on its veth.
func buildTopology(podMTU int) error {
	cleanLeftovers()
	for _, ns := range []string{"ul", "n1", "n2", "p1", "p2"} {
		if _, err := sh("ip", "netns", "add", nsName(ns)); err != nil {
			return err
		}
		if err := ipn(ns, "link", "set", "lo", "up"); err != nil {
			return err
		}
	}
	if err := run(
		[]string{"ul", "link", "add", "br0", "type", "bridge"},
		[]string{"ul", "link", "set", "br0", "up"},
	); err != nil {
		return err
	}
	for i := 1; i <= 2; i++ {
		if err := buildNode(i, podMTU); err != nil {
			return err
		}
	}
	return nil
}

func buildNode(i, podMTU int) error {
	n, p, mtu := fmt.Sprintf("n%d", i), fmt.Sprintf("p%d", i), fmt.Sprint(podMTU)
	if err := run(
		[]string{"ul", "link", "add", fmt.Sprintf("u%d", i), "type", "veth", "peer", "name", "eth0", "netns", nsName(n)},
		[]string{"ul", "link", "set", fmt.Sprintf("u%d", i), "master", "br0", "up"},
		[]string{n, "addr", "add", fmt.Sprintf("192.168.77.1%d/24", i), "dev", "eth0"},
		[]string{n, "link", "set", "eth0", "up"},
		[]string{n, "link", "add", "cni0", "mtu", mtu, "type", "bridge"},
		[]string{n, "addr", "add", fmt.Sprintf("10.244.%d.1/24", i), "dev", "cni0"},
		[]string{n, "link", "set", "cni0", "up"},
		[]string{n, "link", "add", "vethpod", "mtu", mtu, "type", "veth", "peer", "name", "eth0", "netns", nsName(p)},
		[]string{n, "link", "set", "vethpod", "master", "cni0", "up"},
		[]string{p, "link", "set", "eth0", "mtu", mtu, "up"},
		[]string{p, "addr", "add", fmt.Sprintf("10.244.%d.2/24", i), "dev", "eth0"},
		[]string{p, "route", "add", "default", "via", fmt.Sprintf("10.244.%d.1", i)},
	); err != nil {
		return err
	}
	_, err := sh("ip", "netns", "exec", nsName(n), "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward")
	return err
}

// run runs several "ip -n" commands: each is {ns, args...}.
func run(cmds ...[]string) error {
	for _, c := range cmds {
		if err := ipn(c[0], c[1:]...); err != nil {
			return err
		}
	}
	return nil
}

// underlayRoutes makes the pods reach each other without encapsulation.
func underlayRoutes() error {
	return run(
		[]string{"n1", "route", "add", "10.244.2.0/24", "via", "192.168.77.12"},
		[]string{"n2", "route", "add", "10.244.1.0/24", "via", "192.168.77.11"},
	)
}

// handVXLAN configures flannel.1 by hand exactly as flannel would.
func handVXLAN() error {
	macs := map[int]string{}
	for i := 1; i <= 2; i++ {
		n := fmt.Sprintf("n%d", i)
		if err := run(
			[]string{n, "link", "add", "flannel.1", "type", "vxlan", "id", "1", "local", fmt.Sprintf("192.168.77.1%d", i),
				"dev", "eth0", "dstport", "8472", "nolearning"},
			[]string{n, "link", "set", "flannel.1", "mtu", "1450", "up"},
			[]string{n, "addr", "add", fmt.Sprintf("10.244.%d.0/32", i), "dev", "flannel.1"},
		); err != nil {
			return err
		}
		out, err := sh("ip", "-n", nsName(n), "-br", "link", "show", "flannel.1")
		if err != nil {
			return err
		}
		macs[i] = strings.Fields(out)[2]
	}
	for i := 1; i <= 2; i++ {
		j := 3 - i
		n := fmt.Sprintf("n%d", i)
		gw := fmt.Sprintf("10.244.%d.0", j)
		if err := run(
			[]string{n, "neigh", "replace", gw, "lladdr", macs[j], "dev", "flannel.1", "nud", "permanent"},
			[]string{n, "route", "add", gw + "/24", "via", gw, "dev", "flannel.1", "onlink"},
		); err != nil {
			return err
		}
		if _, err := sh("bridge", "-n", nsName(n), "fdb", "append", macs[j], "dev", "flannel.1",
			"dst", fmt.Sprintf("192.168.77.1%d", j), "self", "permanent"); err != nil {
			return err
		}
	}
	return nil
}
