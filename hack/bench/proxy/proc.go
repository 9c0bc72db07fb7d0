package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type proxyProc struct {
	cmd     *exec.Cmd
	done    chan error
	started time.Time
	logPath string
	once    sync.Once
}

// startProxy runs wharf-proxy in this netns; its HTTP ports are the
// defaults, which no one else uses inside the case's namespace.
func startProxy(o options, url, logPath string) (*proxyProc, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	args := []string{"--master", url, "--hostname-override", "bench-node", "--cluster-cidr", "10.0.0.0/8",
		"--iptables-mode", o.mode, "--sync-period", "1h",
		"--healthz-bind-address", "127.0.0.1:10256", "--metrics-bind-address", "127.0.0.1:10249"}
	args = append(args, strings.Fields(o.proxyArgs)...)
	if o.heapDir != "" {
		args = append(args, "--profiling")
	}
	cmd := exec.Command(o.proxy, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if o.memLimit != "" {
		cmd.Env = append(os.Environ(), "GOMEMLIMIT="+o.memLimit)
	}
	p := &proxyProc{cmd: cmd, done: make(chan error, 1), logPath: logPath, started: time.Now()}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", o.proxy, err)
	}
	go func() { p.done <- cmd.Wait() }()
	return p, nil
}

// stop ends the proxy (once; later calls do nothing).
func (p *proxyProc) stop() {
	p.once.Do(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
}

type health struct {
	lastUpdated time.Time
	rv          int64
}

// waitSynced polls /healthz until the proxy has synced resourceVersion rv.
func (p *proxyProc) waitSynced(ctx context.Context, rv int64, timeout time.Duration) (health, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		var body struct {
			LastUpdated string `json:"lastUpdated"`
			RV          int64  `json:"syncedResourceVersion"`
		}
		resp, err := http.Get("http://127.0.0.1:10256/healthz")
		if err == nil {
			ok := resp.StatusCode == http.StatusOK
			err = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if err == nil && ok && body.RV >= rv {
				t, err := time.Parse(time.RFC3339Nano, body.LastUpdated)
				return health{t, body.RV}, err
			}
		}
		select {
		case <-ctx.Done():
			return health{}, fmt.Errorf("waiting for the proxy to sync rv %d: %w", rv, ctx.Err())
		case err := <-p.done:
			return health{}, fmt.Errorf("proxy exited: %v", err)
		case <-time.After(2 * time.Millisecond):
		}
	}
}

type metricsSample struct {
	durationSum time.Duration
	count       int64
	rules       int64
}

func (p *proxyProc) scrape() (metricsSample, error) {
	resp, err := http.Get("http://127.0.0.1:10249/metrics")
	if err != nil {
		return metricsSample{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return metricsSample{}, err
	}
	var m metricsSample
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch {
		case f[0] == "kubeproxy_sync_proxy_rules_duration_seconds_sum":
			m.durationSum = time.Duration(v * float64(time.Second))
		case f[0] == "kubeproxy_sync_proxy_rules_duration_seconds_count":
			m.count = int64(v)
		case strings.HasPrefix(f[0], "kubeproxy_sync_proxy_rules_iptables_total"):
			m.rules += int64(v)
		}
	}
	return m, nil
}

type memory struct{ RSS, Peak int64 }

func readMemory(pid int) (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, _ := strings.Cut(sc.Text(), ":")
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		switch key {
		case "VmRSS":
			m.RSS = kb << 10
		case "VmHWM":
			m.Peak = kb << 10
		}
	}
	return m, sc.Err()
}

// saveHeap writes the proxy's heap profile (after a GC) to path, and its
// text form with the runtime's memory statistics to path+".txt".
func saveHeap(path string) error {
	if err := download("http://127.0.0.1:10249/debug/pprof/heap?gc=1", path); err != nil {
		return err
	}
	return download("http://127.0.0.1:10249/debug/pprof/heap?debug=1", path+".txt")
}

func download(url, path string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

// cpuTime is the CPU time pid and its waited-for children (iptables-restore)
// used so far: on a shared machine a steadier figure than wall time.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses: utime,
	// stime, cutime and cstime are fields 14-17 of the line (11-14 here).
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 15 {
		return 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	var ticks int64
	for _, v := range f[11:15] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100
