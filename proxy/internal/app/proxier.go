package app

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
	"github.com/wharfhq/wharf/proxy/internal/conntrack"
	"github.com/wharfhq/wharf/proxy/internal/iptables"
	"github.com/wharfhq/wharf/proxy/internal/rules"
	"github.com/wharfhq/wharf/proxy/internal/trim"
)

// proxier is one sync: read the caches, render, apply. Only the runner
// goroutine calls sync; the HTTP handlers read the atomics.
type proxier struct {
	services    *informer.Informer[*corev1.Service]
	slices      *informer.Informer[*discoveryv1.EndpointSlice]
	syncer      *iptables.Syncer
	nodeName    string
	clusterCIDR string
	metrics     *metrics
	log         *slog.Logger
	changes     changes
	cache       portCache
	renderer    *rules.Renderer
	staleFlows  []rules.Flush // to flush once the rules without them are in

	lastSuccess atomic.Int64 // unix nanoseconds of the last successful sync's end
	syncedRV    atomic.Int64 // newest Service/EndpointSlice resourceVersion in the kernel
	lastRules   atomic.Int64
}

func (p *proxier) sync(ctx context.Context, full bool) error {
	return p.syncWith(ctx, full, p.syncer.Invalidate, func(ctx context.Context, snap *rules.Snapshot) (applied, error) {
		rs := p.renderer.Compute(snap)
		res, err := p.syncer.Sync(ctx, rs)
		if err != nil {
			return applied{full: res.Full}, err
		}
		tables := map[string]int{}
		for _, t := range rs.Tables() {
			tables[t.Name] = rs.TableRuleCount(t.Name)
		}
		return applied{full: res.Full, rules: rs.RuleCount(), tables: tables, attrs: []any{"bytes", res.Bytes}}, nil
	})
}

// applied is what a mode's apply step tells syncWith.
type applied struct {
	full   bool           // all rules were written, not only changes
	rules  int            // the rules now in the kernel
	tables map[string]int // the rules per table, for the rules gauge
	attrs  []any          // the mode's own attributes of the "synced" log line
}

// syncWith is one sync of either mode around its apply step: take the
// changed services (all of them if full, after invalidate), update the
// cache, apply its snapshot, record the outcome and, once the rules are
// in, flush stale conntrack entries. Failed changes are queued again.
func (p *proxier) syncWith(ctx context.Context, full bool, invalidate func(),
	apply func(context.Context, *rules.Snapshot) (applied, error)) error {
	start := time.Now()
	dirty, rv := p.changes.take()
	if full {
		invalidate()
		dirty = p.cache.allKeys(p)
	}
	p.staleFlows = append(p.staleFlows, p.cache.update(dirty, p)...)
	snap := p.cache.snapshot(p.clusterCIDR)
	res, err := apply(ctx, snap)
	if err != nil {
		p.changes.add("", keys(dirty)...) // the next (full) sync retries them anyway
	}
	elapsed := time.Since(start)
	p.metrics.observe(res.tables, res.full, elapsed, err)
	if err != nil {
		p.log.ErrorContext(ctx, "sync failed; next sync is a full one", "err", err, "full", res.full, "elapsed", elapsed)
		return err
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
	p.lastRules.Store(int64(res.rules))
	attrs := append([]any{"full", res.full, "changedServices", len(dirty), "servicePorts", len(snap.Services)}, res.attrs...)
	p.log.DebugContext(ctx, "synced", append(attrs, "rules", res.rules, "elapsed", elapsed)...)
	return nil
}

func keys(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
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
