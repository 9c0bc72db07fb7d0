// Package netnstest gives wharf-flannel's tests network namespaces of their
// own, so that nothing they do touches the host's interfaces, routes or
// iptables. Every namespace is named "wharf-ft-<tag>-<pid>-..." (Name); CleanLeftovers removes
// the ones an earlier, killed run left behind.
package netnstest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// Prefix starts the name of every namespace this package creates.
const Prefix = "wharf-ft-"

// Skip skips t unless it runs as root with ip(8).
func Skip(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for network namespaces")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs ip(8)")
	}
}

// Name returns the namespace name for tag and suffix in this process:
// "wharf-ft-<tag>-<pid>-<suffix>".
func Name(tag, suffix string) string {
	return fmt.Sprintf("%s%s-%d-%s", Prefix, tag, os.Getpid(), suffix)
}

// CleanLeftovers deletes the namespaces Name(tag, ...) made by processes
// that no longer run (an earlier, killed test run); a concurrent run's
// namespaces are left alone.
func CleanLeftovers(t testing.TB, tag string) {
	t.Helper()
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatalf("ip netns list: %v", err)
	}
	prefix := Prefix + tag + "-"
	for _, line := range strings.Split(string(out), "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		pid, _, _ := strings.Cut(rest, "-")
		if _, err := os.Stat("/proc/" + pid); err == nil {
			continue // still running
		}
		_ = exec.Command("ip", "netns", "del", name).Run()
	}
}

// NS is a named network namespace created for a test.
type NS struct {
	Name   string
	Handle netns.NsHandle
	// NL is a netlink handle bound to the namespace.
	NL *netlink.Handle
}

// Path is the namespace's bind mount.
func (n *NS) Path() string { return "/run/netns/" + n.Name }

// Add creates namespace name (with lo up) and deletes it at cleanup.
func Add(t testing.TB, name string) *NS {
	t.Helper()
	if !strings.HasPrefix(name, Prefix) {
		t.Fatalf("netnstest: name %q must start with %q", name, Prefix)
	}
	_ = exec.Command("ip", "netns", "del", name).Run()
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v\n%s", name, err, out)
	}
	n := &NS{Name: name}
	t.Cleanup(func() {
		if n.NL != nil {
			n.NL.Close()
		}
		if n.Handle.IsOpen() {
			_ = n.Handle.Close()
		}
		_ = exec.Command("ip", "netns", "del", name).Run()
	})
	h, err := netns.GetFromName(name)
	if err != nil {
		t.Fatalf("open netns %s: %v", name, err)
	}
	n.Handle = h
	if n.NL, err = netlink.NewHandleAt(h); err != nil {
		t.Fatalf("netlink handle in %s: %v", name, err)
	}
	lo, err := n.NL.LinkByName("lo")
	if err == nil {
		err = n.NL.LinkSetUp(lo)
	}
	if err != nil {
		t.Fatalf("lo up in %s: %v", name, err)
	}
	return n
}

// Do runs fn on a locked OS thread switched into the namespace. Sockets fn
// creates stay in the namespace after Do returns.
func (n *NS) Do(fn func() error) error {
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("get current netns: %w", err)
	}
	defer orig.Close()
	if err := netns.Set(n.Handle); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("enter netns %s: %w", n.Name, err)
	}
	err = fn()
	if errBack := netns.Set(orig); errBack != nil {
		// The thread stays locked and dies with the goroutine.
		return errors.Join(err, fmt.Errorf("return from netns %s: %w", n.Name, errBack))
	}
	runtime.UnlockOSThread()
	return err
}

// Sysctl writes value to /proc/sys/<key> inside the namespace.
func (n *NS) Sysctl(key, value string) error {
	cmd := exec.Command("ip", "netns", "exec", n.Name, "sh", "-c",
		fmt.Sprintf("echo %s > /proc/sys/%s", value, strings.ReplaceAll(key, ".", "/")))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("sysctl %s=%s in %s: %v: %s", key, value, n.Name, err, out)
	}
	return nil
}

// Run runs a command inside the namespace and returns its combined output.
func (n *NS) Run(name string, args ...string) (string, error) {
	out, err := exec.Command("ip", append([]string{"netns", "exec", n.Name, name}, args...)...).CombinedOutput()
	return string(out), err
}
