package app

import (
	"context"
	"fmt"

	"github.com/wharfhq/wharf/proxy/internal/nftables"
	"github.com/wharfhq/wharf/proxy/internal/nftables/plan"
	"github.com/wharfhq/wharf/proxy/internal/rules"
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
	err := np.syncWith(ctx, full, np.syncer.Invalidate, func(ctx context.Context, snap *rules.Snapshot) (applied, error) {
		st := np.gen.Generate(snap)
		res, err := np.syncer.Sync(ctx, st)
		if err != nil {
			return applied{full: res.Full}, err
		}
		// The rules gauge counts the per-service chains' rules, labelled
		// with the table's name.
		return applied{full: res.Full, rules: st.Rules(), tables: map[string]int{nftables.TableName: st.Rules()},
			attrs: []any{"writtenPorts", res.Ports, "transactions", res.Txns}}, nil
	})
	if err != nil {
		return fmt.Errorf("nftables sync: %w", err)
	}
	return nil
}
