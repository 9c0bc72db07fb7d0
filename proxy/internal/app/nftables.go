package app

import (
	"context"
	"fmt"
	"time"

	"github.com/wharfhq/wharf/proxy/internal/conntrack"
	"github.com/wharfhq/wharf/proxy/internal/nftables"
	"github.com/wharfhq/wharf/proxy/internal/nftables/plan"
)

// newNFTProxier is the nftables mode's sync over p: a netlink socket
// for table ip wharf-proxy and a Generator. The caller closes its syncer.
func newNFTProxier(ctx context.Context, opts Options, p *proxier) (*nftProxier, error) {
	syncer, err := nftables.New(nftables.Config{Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	logStart(ctx, opts, "table", nftables.TableName)
	return &nftProxier{proxier: p, gen: plan.NewGenerator(), syncer: syncer}, nil
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
	gen    *plan.Generator
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
func (np *nftProxier) observe(st *plan.State, res nftables.Result, d time.Duration, err error) {
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
