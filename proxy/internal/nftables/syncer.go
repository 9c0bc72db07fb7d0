package nftables

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/google/nftables"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/wharfhq/wharf/proxy/internal/nftables/plan"
)

// TableName is the nftables table (family ip) a Syncer owns.
const TableName = "wharf-proxy"

// Config configures a Syncer.
type Config struct {
	// BatchPorts is the most service ports per transaction (0: 500). At
	// 10k services one transaction overflows netlink's buffers.
	BatchPorts int
	// Logger; nil means slog.Default().
	Logger *slog.Logger
	// NetNSFd, if not 0, is an open network namespace to work in instead
	// of the current one.
	NetNSFd int
}

// DefaultBatchPorts is the default Config.BatchPorts.
const DefaultBatchPorts = 500

// Socket buffer sizes: a batch of 500 services is about 1 MiB of
// messages, and the kernel acknowledges every one of them.
const (
	sndBuf = 64 << 20
	rcvBuf = 64 << 20
)

// Syncer owns table ip wharf-proxy in the network namespace it was created
// in. It is not safe for concurrent use: one runner goroutine calls it.
type Syncer struct {
	conn  *nftables.Conn
	table *nftables.Table
	batch int
	log   *slog.Logger
	prev  *plan.State     // what the kernel has; nil forces a full sync
	elems *plan.ElemTable // the shared maps as prev has them
	netns int             // Config.NetNSFd
	reset bool            // a full sync failed: the next deletes the table first
}

// Result describes one Sync.
type Result struct {
	Full bool
	// Ports is the number of service ports written or deleted; Txns the
	// number of transactions.
	Ports, Txns int
}

// New returns a Syncer with a netlink socket in the current network
// namespace (or cfg.NetNSFd's).
func New(cfg Config) (*Syncer, error) {
	opts := []nftables.ConnOption{nftables.AsLasting(), nftables.WithSockOptions(bigBuffers)}
	if cfg.NetNSFd != 0 {
		opts = append(opts, nftables.WithNetNSFd(cfg.NetNSFd))
	}
	c, err := nftables.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("nftables netlink socket: %w", err)
	}
	s := &Syncer{conn: c, table: &nftables.Table{Family: nftables.TableFamilyIPv4, Name: TableName},
		batch: cfg.BatchPorts, log: cfg.Logger, netns: cfg.NetNSFd}
	if s.batch <= 0 {
		s.batch = DefaultBatchPorts
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s, nil
}

// Close closes the netlink socket.
func (s *Syncer) Close() error { return s.conn.CloseLasting() }

// Invalidate makes the next Sync a full one.
func (s *Syncer) Invalidate() { s.prev = nil }

// Sync makes the table equal to st. The first time and after a failure it
// ensures the table and its fixed objects, rewrites every service's
// chains and maps and deletes what is stale; otherwise it writes only the
// service ports that changed since the last Sync.
func (s *Syncer) Sync(ctx context.Context, st *plan.State) (Result, error) {
	if s.prev != nil {
		// Someone deleted the table (nft flush ruleset): start over.
		if ok, err := s.tableExists(); err != nil || !ok {
			s.log.WarnContext(ctx, "nftables table gone or unreadable; syncing fully", "table", TableName, "err", err)
			s.prev = nil
		}
	}
	res := Result{Full: s.prev == nil}
	var stale *plan.Stale
	elems := s.elems
	if res.Full {
		var err error
		elems = plan.NewElemTableFor(st)
		if stale, err = s.prepare(elems); err != nil {
			s.reset = true
			return res, err
		}
	}
	for t := range plan.Diff(s.prev, st, stale, elems, s.batch) {
		err := ctx.Err()
		if err == nil {
			err = s.apply(t)
		}
		if err != nil {
			s.prev, s.reset = nil, res.Full && ctx.Err() == nil
			return res, fmt.Errorf("nftables transaction %d: %w", res.Txns+1, err)
		}
		res.Txns++
		res.Ports += t.Ports
	}
	s.prev, s.elems, s.reset = st, elems, false
	if res.Full {
		debug.FreeOSMemory() // a full sync allocates every message once
	}
	return res, nil
}

// prepare ensures the table's fixed part (deleting the table first after a
// failed full sync) and lists what else it holds.
func (s *Syncer) prepare(elems *plan.ElemTable) (*plan.Stale, error) {
	if s.reset {
		s.log.Warn("recreating table after a failed full sync", "table", TableName)
		if err := s.deleteTable(); err != nil {
			return nil, err
		}
	}
	if err := addBase(s.conn, s.table); err != nil {
		return nil, fmt.Errorf("nftables base objects: %w", err)
	}
	if err := s.conn.Flush(); err != nil {
		return nil, fmt.Errorf("nftables base objects: %w", err)
	}
	return s.list(elems)
}

// list returns the table's per-service chains and sets and backends, and
// records the shared maps' other elements in elems.
func (s *Syncer) list(elems *plan.ElemTable) (*plan.Stale, error) {
	st := plan.NewStale()
	chains, err := s.conn.ListChainsOfTableFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return nil, fmt.Errorf("list nftables chains: %w", err)
	}
	for _, c := range chains {
		if c.Table != nil && c.Table.Name == TableName && !fixedChain(c.Name) {
			st.Chains[c.Name] = true
		}
	}
	sets, err := s.conn.GetSets(s.table)
	if err != nil {
		return nil, fmt.Errorf("list nftables sets: %w", err)
	}
	shared := sharedSets(s.table)
	fixed := make(map[string]bool, len(shared))
	for _, set := range shared {
		fixed[set.Name] = true
	}
	for _, set := range sets {
		if !fixed[set.Name] {
			st.Sets[set.Name] = true
		}
	}
	d, err := newKeyDumper(s.netns)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	for _, set := range shared {
		g := set.g
		// Values are not read: unknown, so claimed keys are rewritten.
		err := d.keys(TableName, set.Name, func(key []byte) {
			if g == plan.Backends || g == plan.BackendChains {
				if k, ok := decodeBackendKey(g, key); ok {
					st.Backends[k] = true
				}
			} else if k, ok := decodeKey(g, key); ok {
				elems.SetKernel(k, plan.ElemVal{Verdict: plan.VerdictUnknown})
			}
		})
		if err != nil {
			return nil, fmt.Errorf("list nftables map %s: %w", set.Name, err)
		}
	}
	return st, nil
}

// Cleanup deletes the table, if there is one.
func (s *Syncer) Cleanup(context.Context) error {
	s.prev = nil
	return s.deleteTable()
}

func (s *Syncer) deleteTable() error {
	ok, err := s.tableExists()
	if err != nil || !ok {
		return err
	}
	s.conn.DelTable(s.table)
	if err := s.conn.Flush(); err != nil {
		return fmt.Errorf("delete nftables table %s: %w", TableName, err)
	}
	return nil
}

func (s *Syncer) tableExists() (bool, error) {
	tables, err := s.conn.ListTablesOfFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return false, fmt.Errorf("list nftables tables: %w", err)
	}
	for _, t := range tables {
		if t.Name == TableName {
			return true, nil
		}
	}
	return false, nil
}

// bigBuffers raises the socket's buffers past net.core.{w,r}mem_max (we
// are root), so that a large batch and its acknowledgements fit.
func bigBuffers(nc *netlink.Conn) error {
	rc, err := nc.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		serr = errors.Join(unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, sndBuf),
			unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvBuf))
	})
	return errors.Join(err, serr)
}
