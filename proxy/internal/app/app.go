package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/api"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
	"github.com/wharfhq/wharf/proto/kubeconfig"
	"github.com/wharfhq/wharf/proxy/internal/iptables"
	"github.com/wharfhq/wharf/proxy/internal/rules"
)

// listPageSize is the number of objects per page when the informers list
// (500, as upstream's reflector): at 10k services an unpaged list of
// Services or EndpointSlices holds tens of megabytes of JSON and untrimmed
// objects at once, before trim.Source reduces them.
const listPageSize = 500

// Run runs the proxy until ctx ends, or with opts.Cleanup removes our rules
// and returns. Both modes share the informers, change tracking, runner
// and HTTP endpoints; they differ in what a sync renders and applies
// (proxier.sync: rules.Renderer and iptables.Syncer; nftProxier.sync:
// plan.Generator and nftables.Syncer).
func Run(ctx context.Context, opts Options) error {
	if err := opts.complete(); err != nil {
		return err
	}
	nft := opts.ProxyMode == ProxyModeNFTables
	mode, _ := iptables.ParseMode(opts.IPTablesMode)
	if opts.Cleanup { // as upstream: the other mode's rules go too
		if nft {
			mode = "" // both iptables backends
		}
		return errors.Join(cleanupNFTables(ctx), Cleanup(ctx, mode))
	}
	c, err := newClient(opts)
	if err != nil {
		return err
	}
	p := newInformerProxier(opts, c)
	sync := p.sync
	if nft {
		np, err := newNFTProxier(ctx, opts, p)
		if err != nil {
			return err
		}
		defer np.syncer.Close()
		sync = np.sync
	} else {
		syncer, err := iptables.New(ctx, iptables.Config{Mode: mode, Logger: opts.Logger})
		if err != nil {
			return err
		}
		logStart(ctx, opts, "iptablesMode", syncer.Mode())
		p.renderer, p.syncer = rules.NewRenderer(), syncer
	}
	return runProxier(ctx, opts, c, p, sync)
}

// logStart logs the start with the options both modes share and attrs.
func logStart(ctx context.Context, opts Options, attrs ...any) {
	opts.Logger.InfoContext(ctx, "starting wharf-proxy", append([]any{"node", opts.NodeName, "proxyMode", opts.ProxyMode,
		"clusterCIDR", opts.ClusterCIDR, "minSyncPeriod", opts.MinSyncPeriod, "syncPeriod", opts.SyncPeriod,
		"fullSyncPeriod", opts.FullSyncPeriod}, attrs...)...)
}

// runProxier runs p with sync, either mode's, until ctx ends: route_localnet,
// the own Node's informer, change tracking that pokes the runner.
func runProxier(ctx context.Context, opts Options, c *client.Client, p *proxier, sync func(context.Context, bool) error) error {
	if err := os.WriteFile("/proc/sys/net/ipv4/conf/all/route_localnet", []byte("1"), 0o644); err != nil {
		opts.Logger.WarnContext(ctx, "cannot enable route_localnet: NodePorts on 127.0.0.1 will not work", "err", err)
	}
	node := informer.New(informer.FromResource(client.Nodes(c)), informer.Options[*corev1.Node]{
		Logger:      opts.Logger,
		ListOptions: func(o *metav1.ListOptions) { o.FieldSelector = "metadata.name=" + opts.NodeName },
	})
	r := newRunner(sync, opts.MinSyncPeriod, opts.SyncPeriod, opts.FullSyncPeriod)
	pokeOn(p.services, r.Poke, func(s *corev1.Service) []string { return []string{informer.KeyOf(s)} }, &p.changes)
	pokeOn(p.slices, r.Poke, func(s *discoveryv1.EndpointSlice) []string { k, _ := sliceService(s); return k }, &p.changes)
	node.AddHandler(informer.Handler[*corev1.Node]{OnAdd: func(n *corev1.Node, _ bool) {
		opts.Logger.InfoContext(ctx, "own node found", "node", n.Name)
	}})
	return runAll(ctx, opts, p, r, node)
}

func runAll(ctx context.Context, opts Options, p *proxier, r *runner, node *informer.Informer[*corev1.Node]) error {
	ctx, cancel := context.WithCancel(ctx)
	var waits []func()
	defer func() {
		cancel()
		for _, wait := range waits { // the ports are free when Run returns
			wait()
		}
	}()
	health, metrics := p.mux(2*opts.SyncPeriod+opts.MinSyncPeriod, opts.Profiling)
	for _, l := range []struct {
		addr string
		h    http.Handler
	}{{opts.HealthzAddr, health}, {opts.MetricsAddr, metrics}} {
		if l.addr == "" {
			continue
		}
		wait, err := serve(ctx, opts.Logger, l.addr, l.h)
		if err != nil {
			return err
		}
		waits = append(waits, wait)
	}
	go p.services.Run(ctx)
	go p.slices.Run(ctx)
	go node.Run(ctx)
	if !informer.WaitForCacheSync(ctx, p.services.HasSynced, p.slices.HasSynced) {
		return ctx.Err()
	}
	r.Run(ctx)
	return nil
}

// pokeOn records the services every change of inf touches (svcKeys) in
// ch and pokes the runner; resyncs (same resourceVersion) are ignored.
func pokeOn[T api.Object](inf *informer.Informer[T], poke func(), svcKeys func(T) []string, ch *changes) {
	record := func(objs ...T) {
		for _, o := range objs {
			ch.add(o.GetResourceVersion(), svcKeys(o)...)
		}
		poke()
	}
	inf.AddHandler(informer.Handler[T]{
		OnAdd: func(o T, _ bool) { record(o) },
		OnUpdate: func(old, new T) {
			if old.GetResourceVersion() != new.GetResourceVersion() {
				record(old, new)
			}
		},
		OnDelete: func(o T) { record(o) },
	})
}

// Cleanup removes our jumps and chains from both backends (those whose
// binaries exist), as upstream's --cleanup does.
func Cleanup(ctx context.Context, only iptables.Mode) error {
	var errs []error
	for _, m := range []iptables.Mode{iptables.Legacy, iptables.NFT} {
		if only != "" && m != only {
			continue
		}
		if _, err := exec.LookPath(m.Command("")); err != nil {
			continue
		}
		s, err := iptables.New(ctx, iptables.Config{Mode: m})
		if err == nil {
			err = s.Cleanup(ctx)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func newClient(opts Options) (*client.Client, error) {
	cfg := &client.Config{}
	if opts.Kubeconfig != "" || opts.Server == "" {
		kc, _, err := kubeconfig.LoadDefault(opts.Kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("load kubeconfig: %w", err)
		}
		if cfg, _, err = kc.ClientConfig(""); err != nil {
			return nil, fmt.Errorf("kubeconfig: %w", err)
		}
	}
	if opts.Server != "" {
		cfg.Host = opts.Server
	}
	cfg.UserAgent = "wharf-proxy"
	return client.New(cfg)
}
