package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/wharfhq/wharf/hack/bench"
	"github.com/wharfhq/wharf/hack/bench/proc"
	"github.com/wharfhq/wharf/hack/images"
	"github.com/wharfhq/wharf/proto/client"
)

type options struct {
	apiserver, kubelet, workDir string
	pods, idlePods              int
	idle                        time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.apiserver, "apiserver", "", "wharf-apiserver binary (required)")
	flag.StringVar(&o.kubelet, "kubelet", "", "wharf-kubelet binary (required)")
	flag.StringVar(&o.workDir, "workdir", "", "work directory (default: a temp dir, removed)")
	flag.IntVar(&o.pods, "pods", 30, "pods created at once for the startup latency")
	flag.IntVar(&o.idlePods, "idle-pods", 100, "running pods while the idle kubelet is measured")
	flag.DurationVar(&o.idle, "idle", 30*time.Second, "idle measurement window")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "kubelet-bench:", err)
		os.Exit(1)
	}
}

// env is everything run starts; close stops it in reverse order.
type env struct {
	dir, netns, cgroupRoot string
	api                    *bench.APIServer
	containerd, kubelet    *proc.Process
	c                      *client.Client
}

func run(ctx context.Context, o options) error {
	if o.apiserver == "" || o.kubelet == "" {
		return fmt.Errorf("--apiserver and --kubelet are required")
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("needs root (network namespace, containerd, cgroups)")
	}
	e, err := setup(ctx, o)
	if e != nil {
		defer e.close()
	}
	if err != nil {
		return err
	}
	res, err := measure(ctx, e, o)
	if err != nil {
		return err
	}
	res.print(os.Stdout, o)
	return nil
}

func setup(ctx context.Context, o options) (*env, error) {
	name := fmt.Sprintf("wharf-kb-%d", os.Getpid())
	e := &env{dir: o.workDir, netns: filepath.Join("/run/netns", name), cgroupRoot: "/" + name}
	if e.dir == "" {
		e.dir = filepath.Join(os.TempDir(), name)
	}
	if err := os.MkdirAll(e.dir, 0o700); err != nil {
		return nil, err
	}
	fmt.Fprintln(os.Stderr, "==> test images, netns, containerd, apiserver, kubelet in", e.dir)
	imgDir := filepath.Join(e.dir, "images")
	if _, err := images.Build(ctx, imgDir); err != nil {
		return e, err
	}
	if err := createNetNS(e.netns); err != nil {
		e.netns = ""
		return e, err
	}
	var err error
	if e.containerd, _, err = startContainerd(filepath.Join(e.dir, "containerd"), e.netns); err != nil {
		return e, err
	}
	if err := os.MkdirAll(filepath.Join(e.dir, "api"), 0o700); err != nil {
		return e, err
	}
	if e.api, err = bench.StartAPIServer(ctx, o.apiserver, filepath.Join(e.dir, "api")); err != nil {
		return e, err
	}
	if e.c, err = client.New(&client.Config{Host: e.api.URL, QPS: 1000, Burst: 1000}); err != nil {
		return e, err
	}
	return e, e.startKubelet(ctx, o, imgDir)
}

func (e *env) startKubelet(ctx context.Context, o options, imgDir string) error {
	kc := filepath.Join(e.dir, "kubeconfig")
	cfg := "apiVersion: v1\nkind: Config\nclusters:\n- name: bench\n  cluster:\n    server: " + e.api.URL +
		"\ncontexts:\n- name: bench\n  context:\n    cluster: bench\n    user: bench\ncurrent-context: bench\nusers:\n- name: bench\n  user: {}\n"
	if err := os.WriteFile(kc, []byte(cfg), 0o600); err != nil {
		return err
	}
	cmd := exec.Command(o.kubelet, "--kubeconfig", kc, "--node-name", nodeName,
		"--root-dir", filepath.Join(e.dir, "kubelet"), "--containerd-address", filepath.Join(e.dir, "containerd", "c.sock"),
		"--image-import-dir", imgDir, "--pod-cidr", "10.244.7.0/24", "--node-ip", "10.244.7.1",
		"--pod-netns", e.netns, "--cgroup-root", e.cgroupRoot,
		"--eviction-hard", "memory.available<1Mi,nodefs.available<1%")
	var err error
	if e.kubelet, err = startProc("wharf-kubelet", cmd, filepath.Join(e.dir, "kubelet.log")); err != nil {
		return err
	}
	return waitFor(ctx, "node "+nodeName+" Ready", time.Minute, func() (bool, error) {
		if e.kubelet.Exited() != nil {
			return false, fmt.Errorf("kubelet exited (log: %s)", filepath.Join(e.dir, "kubelet.log"))
		}
		return nodeReady(ctx, e.c)
	})
}

// close deletes the pods (so the kubelet stops their containers and frees
// their networks), then stops kubelet, containerd and apiserver, and
// removes the namespace, cgroups and work directory.
func (e *env) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if e.c != nil && e.kubelet != nil && e.kubelet.Exited() == nil {
		if err := deleteAllPods(ctx, e.c, filepath.Join(e.dir, "kubelet", "pods")); err != nil {
			fmt.Fprintln(os.Stderr, "kubelet-bench: cleanup:", err)
		}
	}
	e.kubelet.Stop(10 * time.Second)
	e.containerd.Stop(10 * time.Second)
	killShims(e.dir)
	if e.api != nil {
		e.api.Stop()
	}
	removeCgroups(e.cgroupRoot)
	if e.netns != "" {
		_ = deleteNetNS(e.netns)
	}
	for _, m := range mountsUnder(e.dir) {
		_ = syscall.Unmount(m, syscall.MNT_DETACH)
	}
	_ = os.RemoveAll(e.dir)
}
