package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/wharfhq/wharf/hack/bench/proc"
)

// modeNFTables is the --modes entry for wharf-proxy --proxy-mode=nftables;
// the others are --iptables-mode backends.
const modeNFTables = "nftables"

// proxyProc is a running wharf-proxy.
type proxyProc struct {
	*proc.Process
	started time.Time
}

// startProxy runs wharf-proxy in this netns; its HTTP ports are the
// defaults, which no one else uses inside the case's namespace.
func startProxy(o options, url, logPath string) (*proxyProc, error) {
	args := []string{"--master", url, "--hostname-override", "bench-node", "--cluster-cidr", "10.0.0.0/8",
		"--sync-period", "1h", "--healthz-bind-address", "127.0.0.1:10256", "--metrics-bind-address", "127.0.0.1:10249"}
	if o.mode == modeNFTables {
		args = append(args, "--proxy-mode", modeNFTables)
	} else {
		args = append(args, "--iptables-mode", o.mode)
	}
	args = append(args, strings.Fields(o.proxyArgs)...)
	if o.heapDir != "" {
		args = append(args, "--profiling")
	}
	cmd := exec.Command(o.proxy, args...)
	if o.memLimit != "" {
		cmd.Env = append(os.Environ(), "GOMEMLIMIT="+o.memLimit)
	}
	started := time.Now()
	p, err := proc.Start("proxy", cmd, logPath)
	if err != nil {
		return nil, err
	}
	return &proxyProc{Process: p, started: started}, nil
}

// stop ends the proxy (later calls do nothing).
func (p *proxyProc) stop() { p.Stop(10 * time.Second) }

// cpuTime is the CPU time the proxy and its waited-for children
// (iptables-restore) used so far: on a shared machine a steadier figure
// than wall time.
func (p *proxyProc) cpuTime() (time.Duration, error) {
	c, err := proc.ReadCPU(p.Pid())
	return c.WithChildren(), err
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
		case <-p.Done():
			return health{}, p.Exited()
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
