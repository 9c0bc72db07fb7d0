package app_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wharfhq/wharf/flannel/internal/netnstest"
)

// TestInteropUpstreamFlanneld runs upstream flanneld v0.28.10 (kube subnet
// manager mode, pointed at our apiserver) on node-1 and wharf-flannel on
// node-2, and checks that their pods reach each other. It needs the binary:
// hack/bench/overlay/upstream/build.sh /tmp/flanneld && WHARF_FLANNELD=/tmp/flanneld go test ...
func TestInteropUpstreamFlanneld(t *testing.T) {
	bin := os.Getenv("WHARF_FLANNELD")
	if bin == "" {
		t.Skip("WHARF_FLANNELD (an upstream flanneld binary) is not set")
	}
	tb := newTestbed(t)
	a, b := tb.addNode(1), tb.addNode(2)
	startUpstream(t, tb, a, bin)
	tb.start(b)
	tb.waitHealthy(b)
	echoA, echoB := echoServer(t, a), echoServer(t, b)
	took := eventually(t, 30*time.Second, func() error {
		return errorsJoin(reach(t, a, b, echoB), reach(t, b, a, echoA))
	})
	t.Logf("upstream flanneld (node-1) ↔ wharf-flannel (node-2): pods reach each other after %v", took)
	t.Logf("node-1 (upstream) flannel.1:\n%s", overlayState(t, a.ns))
	t.Logf("node-2 (wharf) flannel.1:\n%s", overlayState(t, b.ns))
}

// startUpstream runs flanneld inside n's namespace. The apiserver listens
// on the host's 127.0.0.1, so a forwarder inside the namespace relays to it.
func startUpstream(t *testing.T, tb *testbed, n *testNode, bin string) {
	fwd := forwardInto(t, n.ns, strings.TrimPrefix(tb.srv.URL, "http://"))
	dir := t.TempDir()
	kc := filepath.Join(dir, "kubeconfig")
	must(t, os.WriteFile(kc, []byte(fmt.Sprintf("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://%s\n"+
		"contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user: {}\ncurrent-context: c\n", fwd)), 0o600))
	netConf := filepath.Join(dir, "net-conf.json")
	must(t, os.WriteFile(netConf, []byte(`{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan"}}`), 0o600))
	logf, err := os.Create(filepath.Join(dir, "flanneld.log"))
	must(t, err)
	cmd := exec.Command("ip", "netns", "exec", n.ns.Name, bin, "--kube-subnet-mgr", "--kubeconfig-file", kc,
		"--iface", "eth0", "--net-config-path", netConf, "--subnet-file", filepath.Join(dir, "subnet.env"))
	cmd.Env = append(os.Environ(), "NODE_NAME="+n.name)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	must(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM) // by PID: the flanneld we started
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		logf.Close()
		if t.Failed() {
			out, _ := os.ReadFile(logf.Name())
			t.Logf("flanneld log:\n%s", out)
		}
	})
}

// forwardInto listens on 127.0.0.1 inside ns and relays every connection to
// target, dialled from the test's own namespace. It returns the listen address.
func forwardInto(t *testing.T, ns *netnstest.NS, target string) string {
	c, addr, err := listenIn(ns, "tcp", mustAddr("127.0.0.1"))
	must(t, err)
	ln := c.(net.Listener)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			go relay(in, target)
		}
	}()
	return addr
}

func relay(in net.Conn, target string) {
	defer in.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	out, err := (&net.Dialer{}).DialContext(ctx, "tcp", target)
	cancel()
	if err != nil {
		return
	}
	defer out.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(out, in); done <- struct{}{} }()
	go func() { _, _ = io.Copy(in, out); done <- struct{}{} }()
	<-done
}
