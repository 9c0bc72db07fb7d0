package cluster

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// restartGrace is how long a restarted component gets to exit after
// SIGTERM before it is killed, as `systemctl restart` would allow.
const restartGrace = 10 * time.Second

// RestartComponent restarts component bin (BinEtcd, BinAPIServer,
// BinScheduler, BinControllerManager on a member; BinKubelet, BinProxy,
// BinFlannel or "containerd" on a node) of member or node where: SIGTERM
// (SIGKILL after 10 s), then the same command line, environment, data and
// log file again. It returns once the new process reports healthy: etcd
// /health, apiserver /readyz, the others' /healthz (scheduler and
// controller-manager on their --bind-address, node agents on their default
// ports inside the node's namespace), containerd's socket accepting
// connections.
func (c *Cluster) RestartComponent(ctx context.Context, where, bin string) error {
	c.mu.Lock()
	old := c.findProc(where, bin)
	c.mu.Unlock()
	if old == nil {
		return fmt.Errorf("cluster: no %s on %s", bin, where)
	}
	check, err := c.healthCheck(where, bin, old.argv)
	if err != nil {
		return err
	}
	old.stop(restartGrace)
	note := fmt.Sprintf("---- %s: restarted by the test harness (previous exit: %v)\n",
		time.Now().Format(time.RFC3339Nano), old.err)
	appendLog(old.logPath, note)
	p, err := startProc(old.name, old.logPath, old.env, old.argv...)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.setProc(where, bin, p)
	c.mu.Unlock()
	return waitFor(ctx, p, where+"/"+bin+" healthy after restart", check)
}

// setProc replaces the process of bin on member or node where; c.mu held.
func (c *Cluster) setProc(where, bin string, p *proc) {
	for _, m := range c.members {
		if m.name == where {
			m.procs[bin] = p
		}
	}
	for _, n := range c.nodes {
		if n.name == where {
			n.procs[bin] = p
		}
	}
}

// healthCheck returns how to tell that bin on where (started with argv)
// is serving.
func (c *Cluster) healthCheck(where, bin string, argv []string) (func(context.Context) error, error) {
	for _, m := range c.members {
		if m.name != where {
			continue
		}
		switch bin {
		case BinEtcd:
			return etcdHealthy(m.etcdURL + "/health"), nil
		case BinAPIServer:
			kc := filepath.Join(m.dir, "admin.kubeconfig")
			return func(ctx context.Context) error { return readyz(ctx, kc) }, nil
		case BinScheduler, BinControllerManager:
			addr := flagValue(argv, "--bind-address")
			if addr == "" {
				return nil, fmt.Errorf("cluster: %s on %s has no --bind-address", bin, where)
			}
			return httpOK(http.DefaultClient, "http://"+addr+"/healthz"), nil
		}
	}
	for _, n := range c.nodes {
		if n.name != where {
			continue
		}
		cl := nsHTTPClient(n.ns)
		switch bin {
		case "containerd":
			sock := c.containerdSock(n)
			return func(ctx context.Context) error {
				conn, err := (&net.Dialer{}).DialContext(ctx, "unix", sock)
				if err == nil {
					conn.Close()
				}
				return err
			}, nil
		case BinKubelet:
			return httpOK(cl, "https://127.0.0.1:10250/healthz"), nil
		case BinProxy:
			return httpOK(cl, "http://127.0.0.1:10256/healthz"), nil
		case BinFlannel:
			return httpOK(cl, "http://127.0.0.1:8285/healthz"), nil
		}
	}
	return nil, fmt.Errorf("cluster: cannot restart %s on %s", bin, where)
}

// flagValue is the value following name in argv ("" if absent).
func flagValue(argv []string, name string) string {
	for i, a := range argv {
		if a == name && i+1 < len(argv) {
			return argv[i+1]
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

// nsHTTPClient is an HTTP client whose connections are made inside network
// namespace ns. It skips TLS verification: it only reads health endpoints
// of components whose serving certificates are self-signed.
func nsHTTPClient(ns string) *http.Client {
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		var conn net.Conn
		err := inNetns(ns, func() error {
			var err error
			conn, err = (&net.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, network, addr)
			return err
		})
		return conn, err
	}
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext:       dial,
		DisableKeepAlives: true,
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // health probe only
	}}
}

// httpOK checks that GET url answers 200.
func httpOK(cl *http.Client, url string) func(context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := cl.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, strings.TrimSpace(string(body)))
		}
		return nil
	}
}

// appendLog adds a line to a component's log file (best effort: the log
// only helps a reader).
func appendLog(path, line string) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.WriteString(line)
}
