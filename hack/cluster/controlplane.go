package cluster

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/wharfhq/wharf/proto/client"
)

// startControlPlane starts etcd, the apiservers (the first one creates the
// shared CA in <dir>/pki), the failover front, the admin client and the
// leader-elected scheduler and controller-manager of every member.
func (c *Cluster) startControlPlane(ctx context.Context) error {
	n := c.opts.ControlPlanes
	ports, err := freePorts(3 * n)
	if err != nil {
		return err
	}
	for i := range n {
		name := fmt.Sprintf("cp-%d", i+1)
		c.members = append(c.members, &member{name: name, dir: filepath.Join(c.dir, name),
			apiPort: ports[2*n+i], procs: map[string]*proc{}})
	}
	if err := c.startEtcd(ctx, ports[:n], ports[n:2*n]); err != nil {
		return err
	}
	for _, m := range c.members {
		if err := c.startAPIServer(ctx, m); err != nil {
			return err
		}
	}
	if err := c.startFront(ctx); err != nil {
		return err
	}
	for _, m := range c.members {
		if err := c.startControllers(m); err != nil {
			return err
		}
	}
	return nil
}

// startEtcd runs one etcd member per control-plane member and waits until
// every member reports healthy (which needs quorum).
func (c *Cluster) startEtcd(ctx context.Context, clientPorts, peerPorts []int) error {
	var initial []string
	for i, m := range c.members {
		initial = append(initial, fmt.Sprintf("%s=http://%s", m.name, hostPort(peerPorts[i])))
	}
	for i, m := range c.members {
		cu, pu := "http://"+hostPort(clientPorts[i]), "http://"+hostPort(peerPorts[i])
		m.etcdURL = cu
		p, err := startProc(m.name+"/etcd", c.Logs(m.name, BinEtcd), nil, c.bins.Path(BinEtcd),
			"--name", m.name, "--data-dir", filepath.Join(m.dir, "etcd"),
			"--listen-client-urls", cu, "--advertise-client-urls", cu,
			"--listen-peer-urls", pu, "--initial-advertise-peer-urls", pu,
			"--initial-cluster", strings.Join(initial, ","), "--initial-cluster-state", "new",
			"--initial-cluster-token", c.name, "--log-level", "warn")
		if err != nil {
			return err
		}
		m.procs[BinEtcd] = p
	}
	for i, m := range c.members {
		url := "http://" + hostPort(clientPorts[i]) + "/health"
		if err := waitFor(ctx, m.procs[BinEtcd], m.name+" etcd health", etcdHealthy(url)); err != nil {
			return err
		}
	}
	return nil
}

func etcdHealthy(url string) func(context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"true"`) {
			return fmt.Errorf("etcd %s: %d %s", url, resp.StatusCode, body)
		}
		return nil
	}
}

func (c *Cluster) etcdURLs() string {
	var urls []string
	for _, m := range c.members {
		urls = append(urls, m.etcdURL)
	}
	return strings.Join(urls, ",")
}

// startAPIServer starts m's apiserver over TLS with RBAC on the shared
// etcd and cert dir, and waits until its /readyz answers to an admin.
func (c *Cluster) startAPIServer(ctx context.Context, m *member) error {
	p, err := startProc(m.name+"/apiserver", c.Logs(m.name, BinAPIServer), c.egress.env(), c.bins.Path(BinAPIServer),
		"--bind-address", "127.0.0.1", "--secure-port", fmt.Sprint(m.apiPort),
		"--data-dir", filepath.Join(m.dir, "apiserver"), "--cert-dir", c.pki(),
		"--etcd-servers", c.etcdURLs(), "--advertise-address", "127.0.0.1",
		"--authorization-mode", "RBAC")
	if err != nil {
		return err
	}
	m.procs[BinAPIServer] = p
	kc := filepath.Join(m.dir, "admin.kubeconfig")
	return waitFor(ctx, p, m.name+" apiserver /readyz", func(ctx context.Context) error {
		if _, err := os.Stat(kc); err != nil {
			if err := c.issue(ctx, kc, "https://"+hostPort(m.apiPort), "--name", "admin", "--group", "system:masters"); err != nil {
				return err
			}
		}
		return readyz(ctx, kc)
	})
}

func readyz(ctx context.Context, kubeconfigPath string) error {
	cl, err := clientFrom(kubeconfigPath)
	if err != nil {
		return err
	}
	_, err = cl.Do(ctx, &client.Request{Method: http.MethodGet, Path: "/readyz"})
	return err
}

func (c *Cluster) pki() string { return filepath.Join(c.dir, "pki") }

// issue writes a kubeconfig for an identity with the apiserver's certs
// subcommand (the CA must exist: the first apiserver creates it).
func (c *Cluster) issue(ctx context.Context, out, server string, identity ...string) error {
	if _, err := os.Stat(filepath.Join(c.pki(), "ca.key")); err != nil {
		return fmt.Errorf("CA not yet created: %w", err)
	}
	args := append([]string{"certs", "component", "--cert-dir", c.pki(), "--server", server, "--out", out}, identity...)
	outb, err := exec.CommandContext(ctx, c.bins.Path(BinAPIServer), args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("wharf-apiserver %s: %w: %s", strings.Join(args, " "), err, outb)
	}
	return nil
}

// startFront starts the host-side failover front of all apiservers and
// the admin kubeconfig and client that use it.
func (c *Cluster) startFront(ctx context.Context) error {
	var targets []string
	for _, m := range c.members {
		targets = append(targets, hostPort(m.apiPort))
	}
	lb, err := newForwarder("", "127.0.0.1:0", targets)
	if err != nil {
		return err
	}
	c.lb = lb
	c.admin = filepath.Join(c.dir, "admin.kubeconfig")
	if err := c.issue(ctx, c.admin, "https://"+lb.addr(), "--name", "admin", "--group", "system:masters"); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	if c.client, err = clientFrom(c.admin); err != nil {
		return err
	}
	return readyz(ctx, c.admin)
}

// startControllers starts m's scheduler and controller-manager, each in
// its own UTS namespace named after m so that the leader Lease's holder
// identity ("<hostname>_<random>") tells which member leads.
func (c *Cluster) startControllers(m *member) error {
	ctx := context.Background()
	server := "https://" + hostPort(m.apiPort)
	lease := c.opts.LeaseDuration
	election := []string{"--leader-elect-lease-duration", lease.String(),
		"--leader-elect-renew-deadline", (lease * 3 / 4).String(), "--leader-elect-retry-period", "1s"}
	specs := []struct{ bin, user string }{
		{BinScheduler, "system:kube-scheduler"},
		{BinControllerManager, "system:kube-controller-manager"},
	}
	for _, s := range specs {
		if !c.bins.Has(s.bin) {
			continue
		}
		kc := filepath.Join(m.dir, s.bin+".kubeconfig")
		if err := c.issue(ctx, kc, server, "--name", s.user); err != nil {
			return fmt.Errorf("cluster: %w", err)
		}
		ports, err := freePorts(1)
		if err != nil {
			return err
		}
		argv := append([]string{"unshare", "--uts", "--", "sh", "-c", `hostname "$0" && exec "$@"`, m.name,
			c.bins.Path(s.bin), "--kubeconfig", kc, "--bind-address", hostPort(ports[0])}, election...)
		p, err := startProc(m.name+"/"+s.bin, c.Logs(m.name, s.bin), nil, argv...)
		if err != nil {
			return err
		}
		m.procs[s.bin] = p
	}
	return nil
}
