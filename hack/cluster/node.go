package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

// Underlay addressing: node i (1-based) is 10.250.0.(10+i)/24 on eth0.
const (
	underlayBridge  = "br0"
	underlayGateway = "10.250.0.1"
	clusterCIDR     = "10.244.0.0/16"
	apiLocalAddr    = "127.0.0.1:6443" // the apiserver as seen inside a node
)

// node is one worker network namespace and what runs in it.
type node struct {
	name  string // Node object name: n1 …
	ns    string // network namespace
	ip    string
	dir   string
	fwd   *forwarder
	procs map[string]*proc
}

func (c *Cluster) underlayNS() string { return c.name + "-ul" }

// nsNames lists every namespace Start may have created.
func (c *Cluster) nsNames() []string {
	out := []string{c.underlayNS()}
	for i := range c.opts.Nodes {
		out = append(out, fmt.Sprintf("%s-n%d", c.name, i+1))
	}
	return out
}

// Nodes are the node names (n1 …), which are also their Node objects' names.
func (c *Cluster) Nodes() []string {
	var out []string
	for _, n := range c.nodes {
		out = append(out, n.name)
	}
	return out
}

// NodeIP is the underlay address of node name.
func (c *Cluster) NodeIP(name string) string {
	for _, n := range c.nodes {
		if n.name == name {
			return n.ip
		}
	}
	return ""
}

// Exec runs argv inside node name's network namespace and returns its
// combined output.
func (c *Cluster) Exec(ctx context.Context, name string, argv ...string) ([]byte, error) {
	var n *node
	for _, x := range c.nodes {
		if x.name == name {
			n = x
		}
	}
	if n == nil {
		return nil, fmt.Errorf("cluster: no node %q", name)
	}
	args := append([]string{"--net=" + netnsPath(n.ns), "--"}, argv...)
	out, err := exec.CommandContext(ctx, "nsenter", args...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("cluster: exec on %s: %v: %w", name, argv, err)
	}
	return out, nil
}

// startNodes creates the underlay and every node namespace, then starts the
// node components that exist.
func (c *Cluster) startNodes(ctx context.Context) error {
	if c.opts.Nodes == 0 {
		return nil
	}
	ul := c.underlayNS()
	for _, args := range [][]string{
		{"netns", "add", ul},
		{"-n", ul, "link", "set", "lo", "up"},
		{"-n", ul, "link", "add", underlayBridge, "type", "bridge"},
		{"-n", ul, "link", "set", underlayBridge, "up"},
		// The underlay's gateway: nodes need a default route, or traffic
		// a node itself sends to a ClusterIP fails the route lookup that
		// precedes the proxy's DNAT.
		{"-n", ul, "addr", "add", underlayGateway + "/24", "dev", underlayBridge},
	} {
		if err := ipCmd(ctx, args...); err != nil {
			return err
		}
	}
	for i := range c.opts.Nodes {
		n := &node{name: fmt.Sprintf("n%d", i+1), ns: fmt.Sprintf("%s-n%d", c.name, i+1),
			ip: fmt.Sprintf("10.250.0.%d", 10+i+1), procs: map[string]*proc{}}
		n.dir = filepath.Join(c.dir, n.name)
		c.nodes = append(c.nodes, n)
		if err := c.startNode(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) startNode(ctx context.Context, n *node) error {
	ul := c.underlayNS()
	peer := "veth-" + n.name
	for _, args := range [][]string{
		{"netns", "add", n.ns},
		{"-n", n.ns, "link", "set", "lo", "up"},
		{"-n", n.ns, "link", "add", "eth0", "type", "veth", "peer", "name", peer, "netns", ul},
		{"-n", ul, "link", "set", peer, "master", underlayBridge, "up"},
		{"-n", n.ns, "addr", "add", n.ip + "/24", "dev", "eth0"},
		{"-n", n.ns, "link", "set", "eth0", "up"},
		{"-n", n.ns, "route", "add", "default", "via", underlayGateway, "dev", "eth0"},
		// A node prerequisite (kubeadm checks it too): pods and VXLAN
		// traffic are routed through the node.
		{"netns", "exec", n.ns, "sysctl", "-qw", "net.ipv4.ip_forward=1"},
	} {
		if err := ipCmd(ctx, args...); err != nil {
			return err
		}
	}
	var targets []string
	for _, m := range c.members {
		targets = append(targets, hostPort(m.apiPort))
	}
	fwd, err := newForwarder(n.ns, apiLocalAddr, targets)
	if err != nil {
		return err
	}
	n.fwd = fwd
	c.egress.allow(n.ip, n.ns)
	if !c.bins.Has(BinKubelet) {
		return nil
	}
	if err := c.startContainerd(ctx, n); err != nil {
		return err
	}
	return c.startNodeAgents(ctx, n)
}

// startContainerd runs a containerd of n's own (root, state, socket under
// n.dir) inside n's namespace and waits for its socket.
func (c *Cluster) startContainerd(ctx context.Context, n *node) error {
	if _, err := exec.LookPath("containerd"); err != nil {
		return fmt.Errorf("cluster: node %s: containerd not installed (hack/test.sh installs it): %w", n.name, err)
	}
	cd := filepath.Join(n.dir, "containerd")
	if err := os.MkdirAll(cd, 0o755); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	conf := fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = %q
[ttrpc]
  address = %q
`, filepath.Join(cd, "root"), filepath.Join(cd, "state"), c.containerdSock(n), c.containerdSock(n)+".ttrpc")
	confPath := filepath.Join(cd, "config.toml")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	p, err := startProc(n.name+"/containerd", c.Logs(n.name, "containerd"), nil,
		"nsenter", "--net="+netnsPath(n.ns), "--", "containerd", "--config", confPath)
	if err != nil {
		return err
	}
	n.procs["containerd"] = p
	return waitFor(ctx, p, n.name+" containerd socket", func(context.Context) error {
		_, err := os.Stat(c.containerdSock(n))
		return err
	})
}

// ContainerdSocket is the containerd socket of node name ("" if no such
// node); `ctr --address` reaches that node's containers with it.
func (c *Cluster) ContainerdSocket(name string) string {
	for _, n := range c.nodes {
		if n.name == name {
			return c.containerdSock(n)
		}
	}
	return ""
}

func (c *Cluster) containerdSock(n *node) string {
	return filepath.Join(n.dir, "containerd", "containerd.sock")
}

// startNodeAgents starts kubelet, proxy and flannel (those that exist) in
// n's namespace, each with its own identity, reaching the apiservers
// through the node-local forwarder.
func (c *Cluster) startNodeAgents(ctx context.Context, n *node) error {
	server := "https://" + apiLocalAddr
	nodeKC := filepath.Join(n.dir, "kubelet.kubeconfig")
	if err := c.issue(ctx, nodeKC, server, "--node", n.name); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	proxyKC := filepath.Join(n.dir, "proxy.kubeconfig")
	if err := c.issue(ctx, proxyKC, server, "--name", "system:kube-proxy"); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	kubelet := []string{"--kubeconfig", nodeKC, "--node-name", n.name, "--node-ip", n.ip,
		"--root-dir", filepath.Join(n.dir, "kubelet"), "--containerd-address", c.containerdSock(n),
		"--cgroup-root", c.cgroupParent(n)}
	if c.bins.HasFlag(BinKubelet, "pod-logs-dir") {
		kubelet = append(kubelet, "--pod-logs-dir", filepath.Join(n.dir, "pod-logs"))
	}
	if c.bins.Has(BinFlannel) {
		// flannel's subnet.env is per node here (--subnet-file), so the
		// kubelet cannot read the VXLAN MTU from the default path.
		kubelet = append(kubelet, "--network-mtu", "1450")
	}
	if c.opts.ImageImportDir != "" {
		kubelet = append(kubelet, "--image-import-dir", c.opts.ImageImportDir)
	}
	// Without --net-conf flannel waits (silently) for the ConfigMap
	// kube-system/kube-flannel-cfg, which nothing here creates.
	netConf := filepath.Join(n.dir, "net-conf.json")
	conf := fmt.Sprintf(`{"Network": %q, "Backend": {"Type": "vxlan"}}`, clusterCIDR)
	if err := os.WriteFile(netConf, []byte(conf), 0o644); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	agents := []struct {
		bin  string
		args []string
	}{
		{BinFlannel, []string{"--kubeconfig", nodeKC, "--node-name", n.name, "--iface", "eth0",
			"--net-conf", netConf, "--subnet-file", filepath.Join(n.dir, "subnet.env")}},
		{BinKubelet, kubelet},
		{BinProxy, []string{"--kubeconfig", proxyKC, "--hostname-override", n.name, "--cluster-cidr", clusterCIDR}},
	}
	if c.opts.ProxyMode != "" {
		agents[2].args = append(agents[2].args, "--proxy-mode", c.opts.ProxyMode)
	}
	for _, a := range agents {
		if !c.bins.Has(a.bin) {
			continue
		}
		argv := append([]string{"nsenter", "--net=" + netnsPath(n.ns), "--", c.bins.Path(a.bin)}, a.args...)
		p, err := startProc(n.name+"/"+a.bin, c.Logs(n.name, a.bin), nil, argv...)
		if err != nil {
			return err
		}
		c.mu.Lock()
		n.procs[a.bin] = p
		c.mu.Unlock()
	}
	return waitFor(ctx, n.procs[BinKubelet], "Node "+n.name+" registered", func(ctx context.Context) error {
		_, err := client.Nodes(c.client).Get(ctx, n.name, metav1.GetOptions{})
		return err
	})
}

// StopNode stops every process of node name (agents, containerd, shims
// and containers) and cuts its apiserver access, as if the machine died.
func (c *Cluster) StopNode(name string) error {
	for _, n := range c.nodes {
		if n.name == name {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			c.stopNode(ctx, n)
			return nil
		}
	}
	return fmt.Errorf("cluster: no node %q", name)
}

func (c *Cluster) stopNode(ctx context.Context, n *node) {
	c.mu.Lock()
	procs := n.procs
	c.mu.Unlock()
	for _, bin := range []string{BinKubelet, BinProxy, BinFlannel, "containerd"} {
		if p := procs[bin]; p != nil {
			p.stop(5 * time.Second)
		}
	}
	killTree(ctx, n.dir, n.ns)
	if n.fwd != nil {
		n.fwd.close()
	}
}
