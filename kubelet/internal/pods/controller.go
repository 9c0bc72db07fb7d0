package pods

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
)

// Network wires pods into the node network (package network, or a fake).
type Network interface {
	// Setup creates or repairs pod uid's network and returns its
	// namespace file and IP.
	Setup(uid string) (netns string, ip net.IP, err error)
	Teardown(uid string) error
	Pods() ([]string, error)
}

// Config configures a Controller.
type Config struct {
	Client   *client.Client
	NodeName string
	// RootDir holds pods/<uid>/ (hosts, resolv.conf).
	RootDir string
	// LogDir holds the container logs, <ns>_<pod>_<uid>/<container>/<n>.log
	// as upstream's /var/log/pods (default <RootDir>/pod-logs).
	LogDir  string
	Runtime runtime.Runtime
	Network Network
	// Cgroups (optional) applies resource limits.
	Cgroups PodCgroups
	// Probes (optional) runs liveness, readiness and startup probes;
	// without it running containers are ready.
	Probes Prober
	// Volumes (optional) sets pod volumes up; without it pods get none.
	Volumes Volumes
	// Services (optional) feeds service-link env vars; it must be synced
	// before Run.
	Services ServiceLister
	// HostIP is the node's InternalIP; HostResolvConf the node's
	// /etc/resolv.conf content, the base of every pod's.
	HostIP, HostResolvConf string
	// ResyncPeriod (default 2s) is how often a worker re-reads its pod's
	// containers; HousekeepingPeriod (default 30s) how often orphans are
	// collected.
	ResyncPeriod, HousekeepingPeriod time.Duration
	// StaticPods says a static pod source will call SetStaticPods;
	// housekeeping and orphaned-mirror deletion wait for its first call.
	StaticPods bool
	// Ready, if set, delays watching the API's pods until it is closed
	// (the network and Services are set up); static pods run before.
	Ready <-chan struct{}
	Log   *slog.Logger
}

// Controller runs the pods bound to one node.
type Controller struct {
	cfg      Config
	informer *informer.Informer[*corev1.Pod]
	lister   *informer.Lister[*corev1.Pod]
	objects  Objects

	mu      sync.Mutex
	runCtx  context.Context // set by Run before any poke
	workers map[string]*worker
	wg      sync.WaitGroup
	// static holds the static pods by key; staticReady is set once they
	// are known.
	static      map[string]*corev1.Pod
	staticReady bool
}

// New returns a Controller; call Run.
func New(cfg Config) *Controller {
	if cfg.ResyncPeriod == 0 {
		cfg.ResyncPeriod = 2 * time.Second
	}
	if cfg.HousekeepingPeriod == 0 {
		cfg.HousekeepingPeriod = 30 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.LogDir == "" {
		cfg.LogDir = filepath.Join(cfg.RootDir, "pod-logs")
	}
	sel := fields.OneTermEqualSelector("spec.nodeName", cfg.NodeName).String()
	inf := informer.New(informer.FromResource(client.Pods(cfg.Client, "")), informer.Options[*corev1.Pod]{
		Logger:      cfg.Log,
		ListOptions: func(o *metav1.ListOptions) { o.FieldSelector = sel },
	})
	c := &Controller{cfg: cfg, informer: inf, lister: inf.Lister(), objects: clientObjects{cfg.Client}, workers: map[string]*worker{},
		static: map[string]*corev1.Pod{}, staticReady: !cfg.StaticPods}
	inf.AddHandler(informer.Handler[*corev1.Pod]{
		OnAdd:    func(p *corev1.Pod, _ bool) { c.poke(informer.KeyOf(p)) },
		OnUpdate: func(_, p *corev1.Pod) { c.poke(informer.KeyOf(p)) },
		OnDelete: func(p *corev1.Pod) { c.poke(informer.KeyOf(p)) },
	})
	return c
}

// Run starts the static pods' workers, then (once Ready) the informer and
// the API pods' workers, cleans up orphans once the cache is synced and
// then periodically, and returns when ctx ends and every worker has
// stopped.
func (c *Controller) Run(ctx context.Context) error {
	c.mu.Lock()
	c.runCtx = ctx
	c.mu.Unlock()
	for _, k := range c.staticKeys() {
		c.poke(k)
	}
	if c.cfg.Ready != nil {
		select {
		case <-c.cfg.Ready:
		case <-ctx.Done():
			c.wg.Wait()
			return nil
		}
	}
	go c.informer.Run(ctx)
	if !informer.WaitForCacheSync(ctx, c.informer.HasSynced) {
		c.wg.Wait()
		return nil // ctx ended: a normal shutdown
	}
	c.cfg.Log.InfoContext(ctx, "pod cache synced", "pods", c.lister.Len())
	t := time.NewTicker(c.cfg.HousekeepingPeriod)
	defer t.Stop()
	for {
		if err := c.housekeeping(ctx); err != nil && ctx.Err() == nil {
			c.cfg.Log.WarnContext(ctx, "housekeeping", "err", err)
		}
		select {
		case <-ctx.Done():
			c.wg.Wait()
			return nil
		case <-t.C:
		}
	}
}

// housekeeping stops and removes containers and networks whose pod is no
// longer bound here. The runtime is listed before the cache is read, so a
// pod added meanwhile cannot lose containers it did not have yet.
func (c *Controller) housekeeping(ctx context.Context) error {
	if !c.staticKnown() {
		return nil
	}
	ctrs, err := c.cfg.Runtime.ListContainers(ctx, nil)
	if err != nil {
		return err
	}
	nets, err := c.cfg.Network.Pods()
	if err != nil {
		return err
	}
	live := map[string]bool{}
	for _, p := range c.allPods() {
		live[string(p.UID)] = true
	}
	orphans := map[string]bool{}
	for _, ctr := range ctrs {
		if !live[ctr.PodUID] {
			orphans[ctr.PodUID] = true
		}
	}
	for _, uid := range nets {
		if !live[uid] {
			orphans[uid] = true
		}
	}
	for uid := range orphans {
		c.cfg.Log.InfoContext(ctx, "removing orphaned pod", "uid", uid)
		if err := c.cleanup(ctx, types.UID(uid), 2*time.Second); err != nil {
			return err
		}
	}
	return nil
}

// clientObjects reads ConfigMaps and Secrets from the apiserver.
type clientObjects struct{ c *client.Client }

func (o clientObjects) ConfigMap(ctx context.Context, ns, name string) (*corev1.ConfigMap, error) {
	return client.ConfigMaps(o.c, ns).Get(ctx, name, metav1.GetOptions{})
}

func (o clientObjects) Secret(ctx context.Context, ns, name string) (*corev1.Secret, error) {
	return client.Secrets(o.c, ns).Get(ctx, name, metav1.GetOptions{})
}
