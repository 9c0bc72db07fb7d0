package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
	"github.com/wharfhq/wharf/proxy/internal/conntrack"
	"github.com/wharfhq/wharf/proxy/internal/nftables"
	"github.com/wharfhq/wharf/proxy/internal/trim"
)

// runNFTables is Run for --proxy-mode=nftables: the same informers, change
// tracking, runner and HTTP endpoints as the iptables mode, with
// nftables.Generator and nftables.Syncer in place of rules.Renderer and
// iptables.Syncer. With opts.Cleanup it removes the nftables table and the
// iptables rules of both backends, as upstream's --cleanup.
func runNFTables(ctx context.Context, opts Options) error {
	if err := opts.complete(); err != nil {
		return err
	}
	if opts.Cleanup {
		return errors.Join(cleanupNFTables(ctx), Cleanup(ctx, ""))
	}
	c, err := newClient(opts)
	if err != nil {
		return err
	}
	syncer, err := nftables.New(nftables.Config{Logger: opts.Logger})
	if err != nil {
		return err
	}
	defer syncer.Close()
	opts.Logger.InfoContext(ctx, "starting wharf-proxy", "node", opts.NodeName, "proxyMode", ProxyModeNFTables,
		"table", nftables.TableName, "clusterCIDR", opts.ClusterCIDR, "minSyncPeriod", opts.MinSyncPeriod,
		"syncPeriod", opts.SyncPeriod, "fullSyncPeriod", opts.FullSyncPeriod)
	if err := os.WriteFile("/proc/sys/net/ipv4/conf/all/route_localnet", []byte("1"), 0o644); err != nil {
		opts.Logger.WarnContext(ctx, "cannot enable route_localnet: NodePorts on 127.0.0.1 will not work", "err", err)
	}
	np := &nftProxier{proxier: newInformerProxier(opts, c), gen: nftables.NewGenerator(), syncer: syncer}
	p := np.proxier
	node := informer.New(informer.FromResource(client.Nodes(c)), informer.Options[*corev1.Node]{
		Logger:      opts.Logger,
		ListOptions: func(o *metav1.ListOptions) { o.FieldSelector = "metadata.name=" + opts.NodeName },
	})
	r := newRunner(np.sync, opts.MinSyncPeriod, opts.SyncPeriod, opts.FullSyncPeriod)
	pokeOn(p.services, r.Poke, func(s *corev1.Service) []string { return []string{informer.KeyOf(s)} }, &p.changes)
	pokeOn(p.slices, r.Poke, func(s *discoveryv1.EndpointSlice) []string { k, _ := sliceService(s); return k }, &p.changes)
	return runAll(ctx, opts, p, r, node)
}

// newInformerProxier is the proxier of both modes without a mode's parts
// (iptables: syncer, renderer): informers caching trimmed objects (only
// what rendering reads; pages bound what a relist holds untrimmed at
// once), metrics, logger.
func newInformerProxier(opts Options, c *client.Client) *proxier {
	return &proxier{
		services: informer.New(trim.Source(informer.FromResource(client.Services(c, "")), trim.Service),
			informer.Options[*corev1.Service]{Logger: opts.Logger, PageSize: listPageSize}),
		slices: informer.New(trim.Source(informer.FromResource(client.EndpointSlices(c, "")), trim.EndpointSlice), informer.Options[*discoveryv1.EndpointSlice]{
			Logger:   opts.Logger,
			Indexers: map[string]informer.IndexFunc[*discoveryv1.EndpointSlice]{serviceIndex: sliceService},
			PageSize: listPageSize,
		}),
		nodeName:    opts.NodeName,
		clusterCIDR: opts.ClusterCIDR,
		metrics:     newMetrics(),
		log:         opts.Logger,
	}
}

// cleanupNFTables deletes table ip wharf-proxy, if there is one.
func cleanupNFTables(ctx context.Context) error {
	s, err := nftables.New(nftables.Config{})
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Cleanup(ctx)
}

// nftProxier is one nftables-mode sync; only the runner goroutine calls it.
type nftProxier struct {
	*proxier
	gen    *nftables.Generator
	syncer *nftables.Syncer
}

func (np *nftProxier) sync(ctx context.Context, full bool) error {
	p := np.proxier
	start := time.Now()
	dirty, rv := p.changes.take()
	if full {
		np.syncer.Invalidate()
		dirty = p.cache.allKeys(p)
	}
	p.staleFlows = append(p.staleFlows, p.cache.update(dirty, p)...)
	snap := p.cache.snapshot(p.clusterCIDR)
	st := np.gen.Generate(snap)
	res, err := np.syncer.Sync(ctx, st)
	elapsed := time.Since(start)
	np.observe(st, res, elapsed, err)
	if err != nil {
		p.changes.add("", keys(dirty)...) // the next (full) sync retries them anyway
		p.log.ErrorContext(ctx, "sync failed; next sync is a full one", "err", err, "full", res.Full, "elapsed", elapsed)
		return fmt.Errorf("nftables sync: %w", err)
	}
	if len(p.staleFlows) > 0 {
		n, err := conntrack.Flush(ctx, p.staleFlows)
		if err != nil {
			p.log.WarnContext(ctx, "flushing stale UDP/SCTP conntrack entries", "err", err)
		}
		p.log.DebugContext(ctx, "flushed conntrack entries", "filters", len(p.staleFlows), "deleted", n)
	}
	p.staleFlows = nil
	p.lastSuccess.Store(time.Now().UnixNano())
	p.syncedRV.Store(rv)
	p.lastRules.Store(int64(st.Rules()))
	p.log.DebugContext(ctx, "synced", "full", res.Full, "changedServices", len(dirty), "servicePorts", len(snap.Services),
		"writtenPorts", res.Ports, "transactions", res.Txns, "rules", st.Rules(), "elapsed", elapsed)
	return nil
}

// observe is metrics.observe for the nftables mode: the rules gauge
// counts the per-service chains' rules, labelled with the table's name.
func (np *nftProxier) observe(st *nftables.State, res nftables.Result, d time.Duration, err error) {
	m := np.metrics
	m.duration.Observe(d.Seconds())
	if err != nil {
		m.failures.Inc()
		return
	}
	if res.Full {
		m.full.Inc()
	}
	m.last.SetToCurrentTime()
	m.rules.WithLabelValues(nftables.TableName).Set(float64(st.Rules()))
}
