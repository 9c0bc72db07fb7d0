// Package app wires the kubelet together: client, runtime, node agent,
// pod network and pod controller, in that order.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wharfhq/wharf/kubelet/internal/cgroups"
	"github.com/wharfhq/wharf/kubelet/internal/eviction"
	"github.com/wharfhq/wharf/kubelet/internal/network"
	"github.com/wharfhq/wharf/kubelet/internal/node"
	"github.com/wharfhq/wharf/kubelet/internal/pods"
	"github.com/wharfhq/wharf/kubelet/internal/probes"
	"github.com/wharfhq/wharf/kubelet/internal/runtime"
	"github.com/wharfhq/wharf/kubelet/internal/runtime/containerd"
	"github.com/wharfhq/wharf/kubelet/internal/volumes"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/kubeconfig"
)

// Options are the kubelet's settings (flags of cmd/wharf-kubelet).
type Options struct {
	Kubeconfig        string
	NodeName          string
	RootDir           string
	ContainerdAddress string
	ImageImportDir    string
	// InsecureRegistries are pulled from over plain HTTP.
	InsecureRegistries []string
	PodCIDR            string
	NetworkMTU         int
	// Runtime is "containerd" or "fake" (a hollow node).
	Runtime string
	// NodeIP is the InternalIP to report; "" detects one.
	NodeIP string
	// HostNetNS, if set, is the namespace file the pod bridge lives in
	// instead of the kubelet's own (tests, local clusters).
	HostNetNS string
	// CgroupRoot is the cgroup every pod goes under (default "/wharf").
	CgroupRoot string
	// KubeReserved and SystemReserved ("cpu=100m,memory=256Mi,
	// ephemeral-storage=1Gi") are subtracted from allocatable.
	KubeReserved, SystemReserved string
	// EvictionHard ("memory.available<100Mi,nodefs.available<10%"; ""
	// takes upstream's defaults) triggers node-pressure eviction.
	EvictionHard string
	// EvictionStats overrides the machine's statistics and EvictionPeriod
	// (default 10s) the time between eviction rounds (tests).
	EvictionStats  eviction.StatsSource
	EvictionPeriod time.Duration
	// Client overrides Kubeconfig (tests).
	Client *client.Client
	// KubeletAddress and KubeletPort are where the kubelet serves
	// containerLogs, /healthz and /pods over HTTPS (default 0.0.0.0:10250;
	// a negative port serves nothing). ClientCAFile verifies callers'
	// certificates (default: the CA of the kubeconfig).
	KubeletAddress string
	KubeletPort    int
	ClientCAFile   string
	// PodResyncPeriod is how often each pod is re-synced without events
	// (default 2s; hollow nodes use more).
	PodResyncPeriod time.Duration
	// Services, if set, replaces the kubelet's own Service informer
	// (hollow nodes in one process pass an empty one).
	Services pods.ServiceLister
	Log      *slog.Logger
}

// Run runs the kubelet until ctx ends.
func Run(ctx context.Context, o Options) error {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.RootDir == "" {
		return fmt.Errorf("%w: --root-dir is required", ErrUsage)
	}
	if err := os.MkdirAll(o.RootDir, 0o755); err != nil {
		return fmt.Errorf("kubelet: root dir: %w", err)
	}
	if o.NodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("kubelet: node name: %w", err)
		}
		o.NodeName = strings.ToLower(h)
	}
	c, err := o.client()
	if err != nil {
		return err
	}
	machine := node.DetectMachine(o.NodeName, o.RootDir, o.NodeIP)
	machine.KubeletPort = int32(o.kubeletPort())
	thresholds, cg, err := o.resources(&machine)
	if err != nil {
		return err
	}
	rt, err := o.runtime(ctx, cg)
	if err != nil {
		return stopped(ctx, err)
	}
	if closer, ok := rt.(interface{ Close() error }); ok {
		defer closer.Close()
	}
	var ctlRef atomic.Pointer[pods.Controller]
	evictor := o.evictionManager(thresholds, &ctlRef)
	agent := node.NewAgent(node.Config{Client: c, Name: o.NodeName, Machine: machine, PodCIDR: o.PodCIDR, Health: pressure(evictor), Log: o.Log})
	if err := agent.Register(ctx); err != nil {
		return stopped(ctx, err)
	}
	cidr, err := agent.WaitForPodCIDR(ctx)
	if err != nil {
		return stopped(ctx, err)
	}
	netw, closeNet, err := o.network(cidr)
	if err != nil {
		return err
	}
	defer closeNet()
	agentDone := make(chan struct{})
	go func() { defer close(agentDone); agent.Run(ctx) }()
	defer func() { <-agentDone }()
	resolv, _ := os.ReadFile("/etc/resolv.conf")
	svcs, err := o.services(ctx, c)
	if err != nil {
		return err
	}
	pc := pods.Config{
		Client: c, NodeName: o.NodeName, RootDir: o.RootDir, Runtime: rt, Network: netw,
		HostIP: internalIP(machine), HostResolvConf: string(resolv), Log: o.Log, Services: svcs,
		ResyncPeriod: o.PodResyncPeriod,
	}
	if cg != nil {
		pc.Cgroups = cg
	}
	if o.Runtime != "fake" {
		pc.Volumes = volumes.New(volumes.Config{RootDir: o.RootDir, Objects: volumes.ClientObjects{C: c}, Log: o.Log})
		pc.Probes = podProber{probes.NewManager(rt.Exec, o.Log)}
	}
	ctl := pods.New(pc)
	ctlRef.Store(ctl)
	srvDone, err := o.serve(ctx, c, machine, ctl)
	if err != nil {
		return err
	}
	defer func() { <-srvDone }()
	defer background(ctx, evictor.Run)()
	o.Log.InfoContext(ctx, "kubelet running", "node", o.NodeName, "podCIDR", cidr, "runtime", o.Runtime)
	return ctl.Run(ctx)
}

func (o Options) client() (*client.Client, error) {
	if o.Client != nil {
		return o.Client, nil
	}
	cfg, _, err := kubeconfig.LoadDefault(o.Kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("kubelet: kubeconfig: %w", err)
	}
	cc, _, err := cfg.ClientConfig("")
	if err != nil {
		return nil, fmt.Errorf("kubelet: kubeconfig: %w", err)
	}
	cc.UserAgent = "wharf-kubelet"
	c, err := client.New(cc)
	if err != nil {
		return nil, fmt.Errorf("kubelet: client: %w", err)
	}
	return c, nil
}

func (o Options) runtime(ctx context.Context, cg *cgroups.Manager) (runtime.Runtime, error) {
	switch o.Runtime {
	case "fake":
		return runtime.NewFake(), nil
	case "", "containerd":
		rt, err := containerd.New(ctx, containerd.Options{Address: o.ContainerdAddress, InsecureRegistries: o.InsecureRegistries, Cgroups: cg, Log: o.Log})
		if err != nil {
			return nil, err
		}
		if o.ImageImportDir != "" {
			if err := rt.ImportImages(ctx, o.ImageImportDir); err != nil {
				rt.Close()
				return nil, err
			}
		}
		return rt, nil
	}
	return nil, fmt.Errorf("kubelet: unknown runtime %q (want containerd or fake)", o.Runtime)
}

func (o Options) network(cidr string) (pods.Network, func(), error) {
	ipamDir := filepath.Join(o.RootDir, "ipam")
	if o.Runtime == "fake" {
		f, err := network.NewFake(ipamDir, cidr)
		return podNetwork{f}, func() {}, err
	}
	m, err := network.New(network.Config{
		PodCIDR: cidr, NetNSDir: filepath.Join(o.RootDir, "netns"), IPAMDir: ipamDir,
		MTU: mtu(o.NetworkMTU), HostNetNS: o.HostNetNS,
	})
	if err != nil {
		return nil, nil, err
	}
	return podNetwork{m}, m.Close, nil
}

// podNetwork adapts package network to pods.Network, which does not
// import it (pods is logic, network an edge).
type podNetwork struct {
	n interface {
		Setup(uid string) (network.Result, error)
		Teardown(uid string) error
		Pods() ([]string, error)
	}
}

func (p podNetwork) Setup(uid string) (string, net.IP, error) {
	r, err := p.n.Setup(uid)
	return r.NetNS, r.IP, err
}

func (p podNetwork) Teardown(uid string) error { return p.n.Teardown(uid) }

func (p podNetwork) Pods() ([]string, error) { return p.n.Pods() }

// mtu is the flag, else FLANNEL_MTU from flannel's subnet.env, else 1500.
func mtu(flag int) int {
	if flag > 0 {
		return flag
	}
	data, err := os.ReadFile("/run/flannel/subnet.env")
	if err != nil {
		return 1500
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "FLANNEL_MTU="); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
				return n
			}
		}
	}
	return 1500
}

func internalIP(m node.Machine) string {
	for _, a := range m.Addresses {
		if a.Type == "InternalIP" {
			return a.Address
		}
	}
	return ""
}

// ErrUsage is returned for invalid options.
var ErrUsage = errors.New("kubelet: invalid options")
