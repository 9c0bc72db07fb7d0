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
	// PodManifestPath is a directory of static pod manifests
	// (--pod-manifest-path, "" = none), rescanned every FileCheckFrequency
	// (default 20s) and on file notifications.
	PodManifestPath    string
	FileCheckFrequency time.Duration
	// PodLogsDir holds <ns>_<pod>_<uid>/<container>/<n>.log (default
	// <root-dir>/pod-logs; the command's default is /var/log/pods).
	PodLogsDir string
	// ContainerLogMaxSize (bytes, default 10Mi) and ContainerLogMaxFiles
	// (default 5, at least 2) rotate container logs.
	ContainerLogMaxSize  int64
	ContainerLogMaxFiles int
	// Services, if set, replaces the kubelet's own Service informer
	// (hollow nodes in one process pass an empty one).
	Services pods.ServiceLister
	Log      *slog.Logger
}

// Run runs the kubelet until ctx ends. Static pods start first, before
// the node is registered, so they run while the apiserver is down; API
// pods start once the pod network and the Service cache are ready.
func Run(ctx context.Context, o Options) error {
	o, err := o.withDefaults()
	if err != nil {
		return err
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
	netw, svcs, ready := &deferredNetwork{}, &deferredServices{}, make(chan struct{})
	ctl := pods.New(o.podConfig(c, machine, rt, cg, netw, svcs, ready))
	ctx, cancel := context.WithCancel(ctx)
	waitCtl := background(ctx, func(ctx context.Context) { _ = ctl.Run(ctx) })
	waitStatic := o.watchStatic(ctx, ctl)
	defer func() { cancel(); waitStatic(); waitCtl() }()
	var ctlRef atomic.Pointer[pods.Controller]
	ctlRef.Store(ctl)
	evictor := o.evictionManager(thresholds, &ctlRef)
	agent := node.NewAgent(node.Config{Client: c, Name: o.NodeName, Machine: machine, PodCIDR: o.PodCIDR, Health: pressure(evictor), Log: o.Log})
	if err := o.register(ctx, agent); err != nil {
		return stopped(ctx, err)
	}
	cidr, err := agent.WaitForPodCIDR(ctx)
	if err != nil {
		return stopped(ctx, err)
	}
	n, closeNet, err := o.network(cidr)
	if err != nil {
		return err
	}
	defer closeNet()
	netw.set(n)
	defer background(ctx, agent.Run)()
	s, err := o.services(ctx, c)
	if err != nil || s == nil {
		return err
	}
	svcs.set(s)
	close(ready)
	srvDone, err := o.serve(ctx, c, machine, ctl, rt)
	if err != nil {
		return err
	}
	defer func() { <-srvDone }()
	defer background(ctx, evictor.Run)()
	o.Log.InfoContext(ctx, "kubelet running", "node", o.NodeName, "podCIDR", cidr, "runtime", o.Runtime)
	<-ctx.Done()
	return nil
}

// withDefaults checks o and fills in the log, the node name and the
// pod log directory.
func (o Options) withDefaults() (Options, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.RootDir == "" {
		return o, fmt.Errorf("%w: --root-dir is required", ErrUsage)
	}
	if err := os.MkdirAll(o.RootDir, 0o755); err != nil {
		return o, fmt.Errorf("kubelet: root dir: %w", err)
	}
	if o.NodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return o, fmt.Errorf("kubelet: node name: %w", err)
		}
		o.NodeName = strings.ToLower(h)
	}
	if o.PodLogsDir == "" {
		o.PodLogsDir = filepath.Join(o.RootDir, "pod-logs")
	}
	if o.ContainerLogMaxFiles != 0 && o.ContainerLogMaxFiles < 2 {
		return o, fmt.Errorf("%w: --container-log-max-files must be at least 2", ErrUsage)
	}
	return o, nil
}

// podConfig configures the pod controller.
func (o Options) podConfig(c *client.Client, m node.Machine, rt runtime.Runtime, cg *cgroups.Manager, netw pods.Network, svcs pods.ServiceLister, ready <-chan struct{}) pods.Config {
	resolv, _ := os.ReadFile("/etc/resolv.conf")
	pc := pods.Config{
		Client: c, NodeName: o.NodeName, RootDir: o.RootDir, LogDir: o.PodLogsDir, Runtime: rt, Network: netw,
		HostIP: internalIP(m), HostResolvConf: string(resolv), Log: o.Log, Services: svcs,
		ResyncPeriod: o.PodResyncPeriod, StaticPods: o.PodManifestPath != "", Ready: ready,
	}
	if cg != nil {
		pc.Cgroups = cg
	}
	if o.Runtime != "fake" {
		pc.Volumes = volumes.New(volumes.Config{RootDir: o.RootDir, Objects: volumes.ClientObjects{C: c}, Log: o.Log})
		pc.Probes = podProber{probes.NewManager(rt.Exec, o.Log)}
	}
	return pc
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
		rt, err := containerd.New(ctx, containerd.Options{Address: o.ContainerdAddress, InsecureRegistries: o.InsecureRegistries, Cgroups: cg, Log: o.Log,
			Logs: containerd.LogOptions{MaxSize: o.ContainerLogMaxSize, MaxFiles: o.ContainerLogMaxFiles}})
		if err != nil {
			return nil, err
		}
		if o.ImageImportDir != "" {
			if err := rt.ImportImages(ctx, o.ImageImportDir); err != nil {
				rt.Close()
				return nil, err
			}
		}
		if err := rt.ReattachLogs(ctx); err != nil {
			rt.Close()
			return nil, err
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
