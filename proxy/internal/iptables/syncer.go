package iptables

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"

	goipt "github.com/coreos/go-iptables/iptables"
	"github.com/wharfhq/wharf/proxy/internal/rules"
)

// Config configures a Syncer.
type Config struct {
	// Mode is the backend; "" detects it.
	Mode Mode
	// Exec runs iptables-save/-restore; nil means RunCommand.
	Exec Exec
	// Logger; nil means slog.Default().
	Logger *slog.Logger
}

// Syncer owns our chains in one network namespace. It is not safe for
// concurrent use: one runner goroutine calls it.
type Syncer struct {
	mode Mode
	run  Exec
	ipt  *goipt.IPTables
	log  *slog.Logger
	prev *rules.Ruleset // what the kernel has; nil forces a full sync
}

// Result describes one Sync.
type Result struct {
	Full  bool
	Bytes int // size of the iptables-restore input, 0 if nothing changed
}

// New returns a Syncer for cfg, detecting the backend if cfg.Mode is "".
func New(ctx context.Context, cfg Config) (*Syncer, error) {
	s := &Syncer{mode: cfg.Mode, run: cfg.Exec, log: cfg.Logger}
	if s.run == nil {
		s.run = RunCommand
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.mode == "" {
		m, err := Detect(ctx, cfg.Exec) // nil: streamed
		if err != nil {
			return nil, err
		}
		s.mode = m
	}
	ipt, err := goipt.New(goipt.Path(s.mode.Command("")))
	if err != nil {
		return nil, fmt.Errorf("iptables %s: %w", s.mode, err)
	}
	s.ipt = ipt
	return s, nil
}

// Mode is the backend in use.
func (s *Syncer) Mode() Mode { return s.mode }

// Invalidate makes the next Sync a full one.
func (s *Syncer) Invalidate() { s.prev = nil }

// Sync makes the kernel's chains equal to rs. After a failure, or the first
// time, it ensures the base chains and rewrites everything, deleting stale
// per-service chains; otherwise it writes only the chains that changed.
// Once applied, rs is compacted (see rules.Ruleset.Compact).
func (s *Syncer) Sync(ctx context.Context, rs *rules.Ruleset) (Result, error) {
	res := Result{Full: s.prev == nil}
	var stale map[string][]string
	var ours int // per-service chains in the kernel's nat table
	if res.Full {
		if err := ensureBase(s.ipt); err != nil {
			return res, err
		}
		var err error
		if stale, ours, err = s.staleChains(ctx, rs); err != nil {
			return res, err
		}
	}
	// One iptables-restore applies all batches, each its own transaction.
	if plan := rs.Plan(s.prev, stale, s.batchLines(res.Full, ours)); !plan.Empty() {
		n, err := restore(ctx, s.run, s.mode, plan)
		res.Bytes = int(n)
		if err != nil {
			s.prev = nil
			return res, err
		}
	}
	s.prev = rs
	rs.Compact()
	if res.Full {
		// A full sync renders every chain's text (streamed, but garbage
		// that lifts the heap's high-water mark); give it back.
		debug.FreeOSMemory()
	}
	return res, nil
}

// staleChains lists our per-service chains in the kernel that rs lacks,
// by table, and counts those in nat. Only the stale names are kept: after
// a restart at 10k services the kernel holds tens of thousands of ours,
// nearly all of them in rs.
func (s *Syncer) staleChains(ctx context.Context, rs *rules.Ruleset) (map[string][]string, int, error) {
	stale, ours := map[string][]string{}, 0
	for _, t := range []string{rules.TableFilter, rules.TableNAT} {
		chains, err := listChains(ctx, s.mode, t, func(name string) bool {
			if !rules.IsHashed(name) {
				return false
			}
			if t == rules.TableNAT {
				ours++
			}
			return !rs.HasChain(t, name)
		})
		if err != nil {
			return nil, 0, err
		}
		stale[t] = chains
	}
	return stale, ours, nil
}

// batchLines is the most rule lines per iptables-restore transaction
// (0: one per table). The legacy backend swaps the whole table per
// transaction and so gets one. On nft, a transaction's cost is the sum of:
//   - iptables-nft-restore's own, growing quadratically with its size
//     (3k services in one transaction take 40 s): about 0.14 s of CPU for
//     5000 lines, 2.2 s for 20000;
//   - the kernel validating, at every commit that adds a jump (all of
//     ours), every chain reachable from the base chains: about 0.2 s of
//     CPU at 10k services once KUBE-SERVICES reaches them all, next to
//     nothing while our chains are not yet referenced.
//
// So a first sync into a table without our services, which writes
// KUBE-SERVICES last, is cheapest in small transactions (10k services, all
// in one iptables-nft-restore: 5 s of CPU with 500 lines, 5.7 with 1000,
// 6.6 with 2000), while a full resync of a populated table is cheapest in
// large ones (10k services: 14 s with 5000 lines, 27 s with 20000, about
// 66 s with 500); so are incremental syncs of many services.
//
// ours is the number of our per-service chains in the nat table before a
// full sync.
func (s *Syncer) batchLines(full bool, ours int) int {
	switch {
	case s.mode != NFT:
		return 0
	case full && ours < nftWarmChains:
		return nftColdBatchLines
	}
	return nftWarmBatchLines
}

// Transaction sizes on nft, and the number of our per-service chains in
// the kernel from which a table counts as populated (see batchLines).
const (
	nftColdBatchLines = 500
	nftWarmBatchLines = 5000
	nftWarmChains     = 1000
)

// Cleanup removes the jumps and every chain this proxy creates.
func (s *Syncer) Cleanup(ctx context.Context) error {
	s.prev = nil
	if err := removeJumps(s.ipt); err != nil {
		return fmt.Errorf("cleanup %s: %w", s.mode, err)
	}
	for _, table := range []string{rules.TableNAT, rules.TableFilter} {
		chains, err := listChains(ctx, s.mode, table, owned)
		if err != nil {
			return fmt.Errorf("cleanup %s: %w", s.mode, err)
		}
		if len(chains) == 0 {
			continue
		}
		if _, err := restore(ctx, s.run, s.mode, bytes.NewReader(deleteChainsText(table, chains))); err != nil {
			return fmt.Errorf("cleanup %s %s chains: %w", s.mode, table, err)
		}
	}
	return nil
}
