package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is a child process whose CPU and memory the benchmark reads.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan error
	log  string
}

// start runs bin with args, logging to <dir>/<name>.log; the child dies
// with the benchmark (Pdeathsig).
func start(dir, name, bin string, args ...string) (*proc, error) {
	logPath := filepath.Join(dir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan error, 1), log: logPath}
	go func() { p.done <- cmd.Wait() }()
	return p, nil
}

// exited returns an error if the process has ended.
func (p *proc) exited() error {
	select {
	case err := <-p.done:
		p.done <- err
		return fmt.Errorf("%s exited: %v (log %s)", p.name, err, p.log)
	default:
		return nil
	}
}

// stop sends SIGTERM and kills the process after 20s.
func (p *proc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
	}
}

// usage is a process's CPU time and memory at one moment.
type usage struct {
	at        time.Time
	cpu       float64 // user+system seconds
	rss, peak int64   // bytes
}

func (p *proc) usage() (usage, error) {
	return readUsage(p.cmd.Process.Pid)
}

// readUsage reads /proc/<pid>/stat and status.
func readUsage(pid int) (usage, error) {
	u := usage{at: time.Now()}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return u, err
	}
	if u.cpu, err = parseCPU(string(stat)); err != nil {
		return u, err
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return u, err
	}
	u.rss, u.peak, err = parseMemory(string(status))
	return u, err
}

// userHZ is the kernel's clock tick of /proc/<pid>/stat (100 on Linux).
const userHZ = 100

// parseCPU returns utime+stime in seconds from a /proc/<pid>/stat line.
func parseCPU(stat string) (float64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("/proc stat: %w", err)
	}
	return (ut + st) / userHZ, nil
}

// parseMemory returns VmRSS and VmHWM in bytes from /proc/<pid>/status.
func parseMemory(status string) (rss, peak int64, err error) {
	found := 0
	for _, line := range strings.Split(status, "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc status %s: %w", key, err)
		}
		if key == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
		found++
	}
	if found != 2 {
		return 0, 0, errors.New("/proc status lacks VmRSS or VmHWM")
	}
	return rss, peak, nil
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
func startAPIServer(ctx context.Context, bin, dir string) (*proc, string, error) {
	port, err := freePort()
	if err != nil {
		return nil, "", err
	}
	p, err := start(dir, "apiserver", bin, "--bind-address", "127.0.0.1", "--port", strconv.Itoa(port),
		"--data-dir", filepath.Join(dir, "data"), "--profiling")
	if err != nil {
		return nil, "", err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := waitHTTP(ctx, p, url+"/readyz", 2*time.Minute); err != nil {
		p.stop()
		return nil, "", err
	}
	return p, url, nil
}

// startKubelet runs one wharf-kubelet process with n hollow nodes
// hollow-0 ... hollow-<n-1>, keeping their state under root.
func startKubelet(dir, bin, kubeconfig, root string, n int) (*proc, error) {
	return start(dir, "kubelet", bin, "--kubeconfig", kubeconfig, "--hollow-nodes", strconv.Itoa(n),
		"--node-name", "hollow", "--root-dir", root)
}

// startScheduler runs wharf-scheduler without leader election or client
// rate limits.
func startScheduler(dir, bin, kubeconfig string) (*proc, error) {
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

func waitHTTP(ctx context.Context, p *proc, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if err := p.exited(); err != nil {
			return err
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return fmt.Errorf("%s not ready: %w (log %s)", p.name, err, p.log)
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
