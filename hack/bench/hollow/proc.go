package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/wharfhq/wharf/hack/bench/proc"
)

// stopGrace is how long a child gets between SIGTERM and SIGKILL.
const stopGrace = 20 * time.Second

// start runs bin with args, logging to <dir>/<name>.log; the child dies
// with the benchmark (Pdeathsig).
func start(dir, name, bin string, args ...string) (*proc.Process, error) {
	return proc.Start(name, exec.Command(bin, args...), filepath.Join(dir, name+".log"))
}

// usage is a process's CPU time and memory at one moment.
type usage struct {
	at        time.Time
	cpu       float64 // user+system seconds
	rss, peak int64   // bytes
}

// readUsage reads /proc/<pid>/stat and status.
func readUsage(pid int) (usage, error) {
	u := usage{at: time.Now()}
	c, err := proc.ReadCPU(pid)
	if err != nil {
		return u, err
	}
	u.cpu = c.Own().Seconds()
	m, err := proc.ReadMemory(pid)
	u.rss, u.peak = m.RSS, m.Peak
	return u, err
}

// cpuPercent is the CPU used between a and b in percent of one core.
func cpuPercent(a, b usage) float64 {
	d := b.at.Sub(a.at).Seconds()
	if d <= 0 {
		return 0
	}
	return 100 * (b.cpu - a.cpu) / d
}

// startAPIServer runs wharf-apiserver on plain HTTP 127.0.0.1 with an
// embedded etcd under dir and /debug/pprof/ on, and waits for /readyz.
func startAPIServer(ctx context.Context, bin, dir string) (*proc.Process, string, error) {
	port, err := proc.FreePort()
	if err != nil {
		return nil, "", err
	}
	p, err := start(dir, "apiserver", bin, "--bind-address", "127.0.0.1", "--port", strconv.Itoa(port),
		"--data-dir", filepath.Join(dir, "data"), "--profiling")
	if err != nil {
		return nil, "", err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := proc.WaitHTTP(ctx, p, url+"/readyz", 2*time.Minute); err != nil {
		p.Stop(stopGrace)
		return nil, "", err
	}
	return p, url, nil
}

// startKubelet runs one wharf-kubelet process with n hollow nodes
// hollow-0 ... hollow-<n-1>, keeping their state under root.
func startKubelet(dir, bin, kubeconfig, root string, n int) (*proc.Process, error) {
	return start(dir, "kubelet", bin, "--kubeconfig", kubeconfig, "--hollow-nodes", strconv.Itoa(n),
		"--node-name", "hollow", "--root-dir", root)
}

// startScheduler runs wharf-scheduler without leader election or client
// rate limits.
func startScheduler(dir, bin, kubeconfig string) (*proc.Process, error) {
	return start(dir, "scheduler", bin, "--kubeconfig", kubeconfig, "--leader-elect=false", "--bind-address", "",
		"--kube-api-qps", "-1")
}

// writeKubeconfig writes an unauthenticated kubeconfig for url.
func writeKubeconfig(dir, url string) (string, error) {
	path := filepath.Join(dir, "kubeconfig")
	cfg := "apiVersion: v1\nkind: Config\nclusters:\n- name: b\n  cluster:\n    server: " + url +
		"\ncontexts:\n- name: b\n  context:\n    cluster: b\n    user: b\ncurrent-context: b\nusers:\n- name: b\n  user: {}\n"
	return path, os.WriteFile(path, []byte(cfg), 0o600)
}
