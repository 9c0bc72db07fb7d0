package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/kubeconfig"
)

// prefix starts every namespace and directory the harness creates; the
// test process's PID follows it, so leftovers of a dead run are known.
const prefix = "wharf-ht-"

// Options shape a cluster.
type Options struct {
	// ControlPlanes is 1 or 3 members (0 means 1). With 3, etcd has three
	// members and every member runs an apiserver, scheduler and
	// controller-manager.
	ControlPlanes int
	// Nodes is the number of worker network namespaces.
	Nodes int
	// ImageImportDir is passed to every kubelet (--image-import-dir).
	ImageImportDir string
	// LeaseDuration is the scheduler's and controller-manager's leader
	// Lease duration (default 4s; renew deadline 3/4 of it, retry 1s).
	LeaseDuration time.Duration
	// StartTimeout bounds Start (default 3 minutes).
	StartTimeout time.Duration
	// ProxyMode is every wharf-proxy's --proxy-mode ("": its default,
	// iptables).
	ProxyMode string
}

// Cluster is a running cluster owned by one test.
type Cluster struct {
	t       testing.TB
	opts    Options
	bins    *Binaries
	name    string // prefix + pid + "-" + seq
	dir     string
	members []*member
	nodes   []*node
	lb      *forwarder // host-side failover front of the apiservers
	egress  *egressProxy
	admin   string // admin kubeconfig path
	client  *client.Client
	mu      sync.Mutex // guards procs of members and nodes after Start
}

// member is one control-plane host.
type member struct {
	name    string // cp-1 …
	dir     string
	apiPort int
	etcdURL string
	procs   map[string]*proc // by binary name
}

var seq atomic.Int64 // distinguishes clusters of one test process

// Start builds the binaries (once per test process), cleans leftovers of
// crashed runs and starts a cluster; t.Cleanup tears it down. It skips the
// test when not root, and fails it when the control plane cannot start.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("cluster: needs root (network namespaces, containerd)")
	}
	for _, tool := range []string{"ip", "nsenter", "unshare"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("cluster: %s not found: %v", tool, err)
		}
	}
	opts = opts.withDefaults()
	if opts.ControlPlanes != 1 && opts.ControlPlanes != 3 {
		t.Fatalf("cluster: ControlPlanes must be 1 or 3, not %d", opts.ControlPlanes)
	}
	ctx, cancel := context.WithTimeout(context.Background(), opts.StartTimeout)
	defer cancel()
	CleanLeftovers(ctx, t.Logf)
	bins, err := Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("%s%d-%d", prefix, os.Getpid(), seq.Add(1))
	c := &Cluster{t: t, opts: opts, bins: bins, name: name, dir: filepath.Join(os.TempDir(), name)}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.teardown)
	if c.egress, err = newEgressProxy(); err != nil {
		t.Fatal(err)
	}
	if err := c.startControlPlane(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.startNodes(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

func (o Options) withDefaults() Options {
	if o.ControlPlanes == 0 {
		o.ControlPlanes = 1
	}
	if o.LeaseDuration <= 0 {
		o.LeaseDuration = 4 * time.Second
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 3 * time.Minute
	}
	return o
}

// Client is an admin (system:masters) client reaching any live apiserver.
func (c *Cluster) Client() *client.Client { return c.client }

// Kubeconfig is the path of the admin kubeconfig (server: the harness's
// failover front on 127.0.0.1).
func (c *Cluster) Kubeconfig() string { return c.admin }

// Dir is the cluster's work directory (logs under Dir()/logs).
func (c *Cluster) Dir() string { return c.dir }

// Binaries are the built components (Path, Has, Missing).
func (c *Cluster) Binaries() *Binaries { return c.bins }

// Members are the control-plane member names (cp-1 …).
func (c *Cluster) Members() []string {
	var out []string
	for _, m := range c.members {
		out = append(out, m.name)
	}
	return out
}

// Missing lists components that were not started and why.
func (c *Cluster) Missing() map[string]string { return c.bins.Missing }

// KillComponent sends SIGKILL to component bin (BinEtcd, BinAPIServer,
// BinScheduler, BinControllerManager, or a node component) of member or
// node where, and waits until it is gone.
func (c *Cluster) KillComponent(where, bin string) error {
	c.mu.Lock()
	p := c.findProc(where, bin)
	c.mu.Unlock()
	if p == nil {
		return fmt.Errorf("cluster: no %s on %s", bin, where)
	}
	p.stop(0)
	return nil
}

func (c *Cluster) findProc(where, bin string) *proc {
	for _, m := range c.members {
		if m.name == where {
			return m.procs[bin]
		}
	}
	for _, n := range c.nodes {
		if n.name == where {
			return n.procs[bin]
		}
	}
	return nil
}

// Logs returns the log file of component bin on member or node where.
func (c *Cluster) Logs(where, bin string) string {
	return filepath.Join(c.dir, "logs", where+"-"+bin+".log")
}

// Client config from a kubeconfig file.
func clientFrom(path string) (*client.Client, error) {
	kc, err := kubeconfig.Load(path)
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	cfg, _, err := kc.ClientConfig("")
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	return client.New(cfg)
}

// freePorts returns n distinct TCP ports free on 127.0.0.1 right now.
func freePorts(n int) ([]int, error) {
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("cluster: free port: %w", err)
		}
		lns = append(lns, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func hostPort(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// teardown stops everything in reverse start order and removes what Start
// created; on failure it logs the tail of every component log first.
func (c *Cluster) teardown() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c.reportCrashes()
	if c.t.Failed() {
		c.logTails()
	}
	for _, n := range c.nodes {
		c.stopNode(ctx, n)
	}
	order := []string{BinControllerManager, BinScheduler, BinAPIServer, BinEtcd}
	for _, bin := range order {
		for _, m := range c.members {
			if p := m.procs[bin]; p != nil {
				p.stop(5 * time.Second)
			}
		}
	}
	if c.lb != nil {
		c.lb.close()
	}
	if c.egress != nil {
		c.egress.close()
	}
	if err := removeAll(ctx, c.dir, c.nsNames()); err != nil {
		c.t.Errorf("cluster teardown: %v", err)
	}
	// A node's kubelet puts its pods in a cgroup named after the node's
	// namespace (cgroupParent); its processes are gone now.
	for _, ns := range c.nsNames() {
		if err := removeCgroups(cgroupDirs(ns)); err != nil {
			c.t.Errorf("cluster teardown: %v", err)
		}
	}
}

// Healthy returns an error naming every component that exited without
// being stopped by the harness (nil if none): tests waiting for something a
// crashed component would do can stop early with the reason.
func (c *Cluster) Healthy() error {
	var errs []error
	for _, p := range c.allProcs() {
		if p.crashed() {
			errs = append(errs, fmt.Errorf("cluster: %s exited unexpectedly (%v); log %s", p.name, p.err, p.logPath))
		}
	}
	return errors.Join(errs...)
}

// reportCrashes fails the test for every component that exited on its own:
// a crash is a bug even when the test's own checks passed.
func (c *Cluster) reportCrashes() {
	for _, p := range c.allProcs() {
		if p.crashed() {
			c.t.Errorf("cluster: %s exited unexpectedly (%v); log %s:\n%s", p.name, p.err, p.logPath, tail(p.logPath, 10))
		}
	}
}

func (c *Cluster) allProcs() []*proc {
	c.mu.Lock()
	defer c.mu.Unlock()
	var all []*proc
	for _, m := range c.members {
		for _, p := range m.procs {
			all = append(all, p)
		}
	}
	for _, n := range c.nodes {
		for _, p := range n.procs {
			all = append(all, p)
		}
	}
	return all
}

func (c *Cluster) logTails() {
	files, _ := filepath.Glob(filepath.Join(c.dir, "logs", "*.log"))
	sort.Strings(files)
	for _, f := range files {
		c.t.Logf("---- %s (last lines)\n%s", filepath.Base(f), tail(f, 25))
	}
}
