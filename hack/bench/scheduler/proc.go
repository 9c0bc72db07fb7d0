package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/wharfhq/wharf/hack/bench/proc"
)

// schedProc is a running scheduler.
type schedProc struct {
	*proc.Process
	// addr is the wharf scheduler's metrics/pprof address.
	addr string
}

// startScheduler runs a wharf-scheduler or upstream kube-scheduler binary
// against url without leader election and with client rate limits lifted.
func startScheduler(_ context.Context, kind, bin, dir, url string, extra []string) (*schedProc, error) {
	kc := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kc, []byte(kubeconfig(url)), 0o600); err != nil {
		return nil, err
	}
	port, err := proc.FreePort()
	if err != nil {
		return nil, err
	}
	var args []string
	switch kind {
	case "wharf":
		args = []string{"--kubeconfig", kc, "--leader-elect=false", "--profiling", "--bind-address", fmt.Sprintf("127.0.0.1:%d", port)}
		args = append(args, extra...)
	default:
		cfg := filepath.Join(dir, "scheduler-config.yaml")
		if err := os.WriteFile(cfg, []byte(upstreamConfig(kc)), 0o600); err != nil {
			return nil, err
		}
		args = []string{"--config", cfg, "--secure-port", strconv.Itoa(port), "--bind-address", "127.0.0.1",
			"--authentication-skip-lookup", "--authorization-always-allow-paths=/healthz,/metrics"}
		args = append(args, extra...)
	}
	p, err := proc.Start(kind+"-scheduler", exec.Command(bin, args...), filepath.Join(dir, kind+"-scheduler.log"))
	if err != nil {
		return nil, err
	}
	return &schedProc{Process: p, addr: fmt.Sprintf("127.0.0.1:%d", port)}, nil
}

func (p *schedProc) stop() { p.Stop(10 * time.Second) }

// peakRSS reads VmHWM of the scheduler process.
func (p *schedProc) peakRSS() (int64, error) {
	m, err := proc.ReadMemory(p.Pid())
	return m.Peak, err
}

func kubeconfig(server string) string {
	return "apiVersion: v1\nkind: Config\nclusters:\n- name: bench\n  cluster:\n    server: " + server +
		"\ncontexts:\n- name: bench\n  context:\n    cluster: bench\n    user: bench\ncurrent-context: bench\n" +
		"users:\n- name: bench\n  user: {}\n"
}

// upstreamConfig gives kube-scheduler scheduler_perf's client limits.
func upstreamConfig(kubeconfigPath string) string {
	return "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n" +
		"clientConnection:\n  kubeconfig: " + kubeconfigPath + "\n  qps: 5000\n  burst: 10000\n" +
		"leaderElection:\n  leaderElect: false\n"
}

// cpuSeconds returns user+system CPU time of pid from /proc/<pid>/stat.
func cpuSeconds(pid int) (float64, error) {
	c, err := proc.ReadCPU(pid)
	return c.Own().Seconds(), err
}

// profile saves a CPU profile of the wharf scheduler taken over secs.
func (p *schedProc) profile(ctx context.Context, out string, secs int) error {
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", p.addr, secs)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

// childPid finds this process's child whose command name is comm (the
// kernel truncates it to 15 bytes); 0 if none.
func childPid(comm string) int {
	if len(comm) > 15 {
		comm = comm[:15]
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		lp, rp := strings.IndexByte(string(b), '('), strings.LastIndexByte(string(b), ')')
		f := strings.Fields(string(b[rp+1:]))
		if lp < 0 || len(f) < 2 || string(b[lp+1:rp]) != comm {
			continue
		}
		if ppid, _ := strconv.Atoi(f[1]); ppid == os.Getpid() {
			return pid
		}
	}
	return 0
}
