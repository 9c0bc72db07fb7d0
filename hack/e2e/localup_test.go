package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharfhq/wharf/hack/cluster"
)

// TestLocalUp: the README's quick start. hack/local-up.sh --netns brings up
// a one-node cluster in a fresh network namespace, the seeds' hello pod
// answers by pod IP and through its Service from the node, and
// hack/local-down.sh removes the namespace, processes, cgroup and
// directory again.
func TestLocalUp(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("local-up: needs root (network namespaces, containerd)")
	}
	ctx := timeout(t, 10*time.Minute)
	cluster.CleanLeftovers(ctx, t.Logf)
	// Named like the harness's own, so a crashed run's namespace and
	// processes are cleaned by the next CleanLeftovers.
	ns := fmt.Sprintf("wharf-ht-%d-lu", os.Getpid())
	dir := filepath.Join(os.TempDir(), ns)
	bin := t.TempDir()
	lu := &localUp{ns: ns, dir: dir, bin: bin}
	t.Cleanup(func() {
		if _, err := os.Stat(dir); err == nil {
			_, _ = lu.script(context.Background(), "local-down.sh", "--dir", dir)
		}
	})
	if out, err := lu.script(ctx, "local-up.sh", "--netns", ns, "--dir", dir); err != nil {
		t.Fatalf("local-up: %v\n%s", err, out)
	}
	lu.wharf(ctx, t, example(t, "hello-pod.json"), "create", "-n", "default", "-f", "-")
	lu.wharf(ctx, t, example(t, "hello-service.json"), "create", "-n", "default", "-f", "-")
	var ip string
	waitFor(ctx, t, "hello pod Running", func() error {
		out, err := lu.run(ctx, "", "get", "pod", "hello-openshift", "-o", "jsonpath={.status.phase} {.status.podIP}")
		if f := strings.Fields(out); err == nil && len(f) == 2 && f[0] == "Running" {
			ip = f[1]
			return nil
		}
		return fmt.Errorf("%v: %s", err, out)
	})
	svc := strings.TrimSpace(lu.wharf(ctx, t, "", "get", "service", helloSvc, "--template="+tmplIPort))
	for _, url := range []string{"http://" + ip + ":8080/", "http://" + svc + "/"} {
		waitFor(ctx, t, url+" answers", func() error {
			out, err := exec.CommandContext(ctx, "ip", "netns", "exec", ns, "curl", "-sS", "--max-time", "3", url).CombinedOutput()
			if err != nil || !strings.Contains(string(out), hello) {
				return fmt.Errorf("%v: %s", err, out)
			}
			return nil
		})
	}
	if out, err := lu.script(ctx, "local-down.sh", "--dir", dir); err != nil {
		t.Fatalf("local-down: %v\n%s", err, out)
	}
	lu.assertGone(t)
}

// localUp is one local-up.sh cluster.
type localUp struct{ ns, dir, bin string }

// script runs hack/<name> with args, binaries going to l.bin.
func (l *localUp) script(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join("..", name), args...)
	cmd.Env = append(os.Environ(), "WHARF_LOCAL_BIN="+l.bin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// run runs the wharf CLI inside the cluster's namespace.
func (l *localUp) run(ctx context.Context, stdin string, args ...string) (string, error) {
	argv := append([]string{"netns", "exec", l.ns, filepath.Join(l.bin, "wharf"),
		"--kubeconfig", filepath.Join(l.dir, "admin.kubeconfig")}, args...)
	cmd := exec.CommandContext(ctx, "ip", argv...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (l *localUp) wharf(ctx context.Context, t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, err := l.run(ctx, stdin, args...)
	if err != nil {
		t.Fatalf("wharf %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// assertGone checks that local-down left nothing: namespace, directory,
// cgroup, processes naming the directory.
func (l *localUp) assertGone(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/run/netns/" + l.ns); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("netns %s still exists (%v)", l.ns, err)
	}
	if _, err := os.Stat(l.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still exists (%v)", l.dir, err)
	}
	if cgs, _ := filepath.Glob("/sys/fs/cgroup/*/wharf-local-" + l.ns); len(cgs) > 0 {
		t.Errorf("cgroups left: %v", cgs)
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), l.dir) {
			t.Errorf("process %s still runs: %s", filepath.Dir(p), strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
}
