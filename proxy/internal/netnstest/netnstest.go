// Package netnstest runs tests inside network namespaces they create, so
// that nothing touches the host's iptables, routes or interfaces.
//
//	func TestX(t *testing.T) {
//		if !netnstest.Reexec(t, "wharf-pt-ipt-x") {
//			return // the parent: the body ran in the child and passed
//		}
//		// here the test binary runs inside netns wharf-pt-ipt-x
//	}
//
// Namespaces are named "wharf-pt-<package>-..."; CleanLeftovers deletes
// those of one prefix that an earlier, killed run left behind.
package netnstest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

const envNetns = "WHARF_PT_NETNS"

// Skip skips t unless it runs as root with ip(8) available.
func Skip(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for network namespaces")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs ip(8)")
	}
}

// Inside reports the namespace this process was re-executed into ("" if none).
func Inside() string { return os.Getenv(envNetns) }

// Reexec runs the calling top-level test again, alone, in a new network
// namespace ns (with lo up) and reports whether the caller is that child.
// In the parent it fails t if the child failed and returns false.
func Reexec(t *testing.T, ns string) bool {
	t.Helper()
	if Inside() == ns {
		return true
	}
	Skip(t)
	Add(t, ns)
	args := []string{"netns", "exec", ns, os.Args[0], "-test.run", "^" + t.Name() + "$", "-test.count=1", "-test.v"}
	cmd := exec.Command("ip", args...)
	cmd.Env = append(os.Environ(), envNetns+"="+ns)
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS")) {
		t.Fatalf("in netns %s: %v\n%s", ns, err, out)
	}
	t.Logf("in netns %s:\n%s", ns, out)
	return false
}

// Add creates netns name (deleting a leftover of that name first) with lo
// up, and deletes it when t ends.
func Add(t testing.TB, name string) {
	t.Helper()
	_ = exec.Command("ip", "netns", "del", name).Run()
	Must(t, "ip", "netns", "add", name)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", name).Run() })
	Must(t, "ip", "-n", name, "link", "set", "lo", "up")
}

// CleanLeftovers deletes every network namespace whose name starts with
// prefix (which must start with "wharf-pt-").
func CleanLeftovers(prefix string) error {
	if !strings.HasPrefix(prefix, "wharf-pt-") {
		return fmt.Errorf("refusing to clean namespaces with prefix %q", prefix)
	}
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return fmt.Errorf("ip netns list: %w", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && strings.HasPrefix(f[0], prefix) {
			_ = exec.Command("ip", "netns", "del", f[0]).Run()
		}
	}
	return nil
}

// Must runs a command and fails t with its output if it fails.
func Must(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}
