// Package containerdtest starts a private containerd for tests: its own
// root, state directory, socket and config under /tmp/wharf-kt-<pid>-<n>,
// running inside a network namespace /run/netns/wharf-kt-<pid>-<n> that the
// test creates, so nothing touches the host's network or containerd.
//
// Leftovers of earlier runs whose test process is gone (namespaces,
// containerd and shim processes found by their PID file or socket path,
// mounts, directories) are removed before a new daemon starts; everything a
// test made is removed by t.Cleanup.
package containerdtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/containerd/containerd"
	"github.com/containerd/containerd/namespaces"
	"github.com/vishvananda/netlink"

	"github.com/wharfhq/wharf/kubelet/internal/network"
)

// Prefix names every directory and namespace this package makes.
const Prefix = "wharf-kt-"

// Daemon is a running private containerd.
type Daemon struct {
	// Address is the containerd socket.
	Address string
	// Dir holds config, root, state and the log.
	Dir string
	// NetNS is the path of the network namespace containerd runs in; the
	// test runs the kubelet's network code there too.
	NetNS string
	cmd   *exec.Cmd
}

// Start starts a private containerd or skips t LOUDLY when that is
// impossible (not root, containerd or runc missing).
func Start(t testing.TB) *Daemon {
	t.Helper()
	Require(t)
	Cleanup()
	name := uniqueName()
	d := &Daemon{Dir: filepath.Join("/tmp", name)}
	d.Address = filepath.Join(d.Dir, "c.sock")
	if err := os.MkdirAll(d.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	d.NetNS = NetNS(t)
	t.Cleanup(func() { d.stop(t) })
	if err := d.start(); err != nil {
		t.Fatalf("containerdtest: %v", err)
	}
	return d
}

// Require skips t LOUDLY unless a private containerd can run here.
func Require(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("SKIP LOUDLY: containerd tests need root")
	}
	for _, c := range []string{"containerd", "runc", "containerd-shim-runc-v2"} {
		if _, err := exec.LookPath(c); err != nil {
			t.Skipf("SKIP LOUDLY: %s not installed (apt-get install containerd runc): %v", c, err)
		}
	}
}

func (d *Daemon) start() error {
	cfg := fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = %q
[ttrpc]
  address = %q
`, filepath.Join(d.Dir, "root"), filepath.Join(d.Dir, "state"), d.Address, d.Address+".ttrpc")
	cfgPath := filepath.Join(d.Dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(d.Dir, "containerd.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	d.cmd = exec.Command("containerd", "--config", cfgPath)
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// The child inherits the network namespace of the forking thread.
	if err := network.Do(d.NetNS, d.cmd.Start); err != nil {
		return fmt.Errorf("start containerd: %w", err)
	}
	if err := os.WriteFile(filepath.Join(d.Dir, "pid"), []byte(fmt.Sprintf("%d %d", d.cmd.Process.Pid, os.Getpid())), 0o600); err != nil {
		return err
	}
	go d.cmd.Wait()
	return d.waitReady()
}

func (d *Daemon) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		c, err := containerd.New(d.Address, containerd.WithTimeout(time.Second))
		if err == nil {
			ok, _ := c.IsServing(ctx)
			c.Close()
			if ok {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(d.Dir, "containerd.log"))
	return fmt.Errorf("containerd did not become ready:\n%s", log)
}

func (d *Daemon) stop(t testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if d.cmd != nil && d.cmd.Process != nil {
		if err := removeAll(ctx, d.Address); err != nil {
			t.Logf("containerdtest: cleanup containers: %v", err)
		}
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		waitGone(d.cmd.Process.Pid, 10*time.Second)
	}
	cleanupDir(d.Dir)
}

// NetNS creates a network namespace /run/netns/wharf-kt-<pid>-<n> with lo
// up, removed by t.Cleanup; it skips t LOUDLY when not root.
func NetNS(t testing.TB) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("SKIP LOUDLY: network namespace tests need root")
	}
	Cleanup()
	path := filepath.Join("/run/netns", uniqueName())
	if err := network.CreateNetNS(path); err != nil {
		t.Fatalf("containerdtest: %v", err)
	}
	t.Cleanup(func() {
		if err := network.DeleteNetNS(path); err != nil {
			t.Logf("containerdtest: %v", err)
		}
	})
	if err := network.Do(path, setLoopbackUp); err != nil {
		t.Fatalf("containerdtest: %v", err)
	}
	return path
}

var nameSeq atomic.Int64

func uniqueName() string {
	return fmt.Sprintf("%s%d-%d", Prefix, os.Getpid(), nameSeq.Add(1))
}

// removeAll deletes every task and container in every namespace.
func removeAll(ctx context.Context, address string) error {
	c, err := containerd.New(address, containerd.WithTimeout(5*time.Second))
	if err != nil {
		return err
	}
	defer c.Close()
	nss, err := c.NamespaceService().List(ctx)
	if err != nil {
		return err
	}
	for _, ns := range nss {
		nctx := namespaces.WithNamespace(ctx, ns)
		ctrs, err := c.Containers(nctx)
		if err != nil {
			return err
		}
		for _, ctr := range ctrs {
			if task, err := ctr.Task(nctx, nil); err == nil {
				_, _ = task.Delete(nctx, containerd.WithProcessKill)
			}
			_ = ctr.Delete(nctx, containerd.WithSnapshotCleanup)
		}
	}
	return nil
}

var (
	imagesOnce sync.Once
	imagesDir  string
	imagesErr  error
)

// Images builds the test images (hack/images, run as the wharf-images
// program so the kubelet does not import the hack module) once per test
// binary and
// returns the directory holding hello.tar and tools.tar.
func Images(t testing.TB) string {
	t.Helper()
	imagesOnce.Do(func() {
		// Named like a daemon dir so Cleanup removes it once we are gone.
		imagesDir = filepath.Join("/tmp", fmt.Sprintf("%s%d-images", Prefix, os.Getpid()))
		imagesErr = wharfImages(imagesDir)
	})
	if imagesErr != nil {
		t.Fatalf("containerdtest: build images: %v", imagesErr)
	}
	return imagesDir
}

func setLoopbackUp() error {
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		return err
	}
	return netlink.LinkSetUp(lo)
}

func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	return syscall.Kill(pid, 0) == nil
}

func waitGone(pid int, d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if !pidAlive(pid) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
}

// wharfImages runs `go run ./hack/images/cmd/wharf-images args...` from the
// workspace root.
func wharfImages(args ...string) error {
	out, err := exec.Command("go", "env", "GOWORK").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" || strings.TrimSpace(string(out)) == "off" {
		return fmt.Errorf("locating the wharf workspace (go env GOWORK): %v", err)
	}
	cmd := exec.Command("go", append([]string{"run", "./hack/images/cmd/wharf-images"}, args...)...)
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(out)))
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("wharf-images %s: %w: %s", strings.Join(args, " "), err, b)
	}
	return nil
}
