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
)

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
	prev  *State     // what the kernel has; nil forces a full sync
	elems *ElemTable // the shared maps as prev has them
	reset bool       // a full sync failed: the next deletes the table first
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
		batch: cfg.BatchPorts, log: cfg.Logger}
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
func (s *Syncer) Sync(ctx context.Context, st *State) (Result, error) {
	if s.prev != nil {
		// Someone deleted the table (nft flush ruleset): start over.
		if ok, err := s.tableExists(); err != nil || !ok {
			s.log.WarnContext(ctx, "nftables table gone or unreadable; syncing fully", "table", TableName, "err", err)
			s.prev = nil
		}
	}
	res := Result{Full: s.prev == nil}
	var stale *Stale
	elems := s.elems
	if res.Full {
		var err error
		if stale, err = s.prepare(); err != nil {
			s.reset = true
			return res, err
		}
		elems = NewElemTable()
	}
	plan := Diff(s.prev, st, stale, elems, s.batch)
	res.Ports = plan.Ports
	for i := range plan.Txns {
		if err := ctx.Err(); err != nil {
			s.prev = nil
			return res, err
		}
		if err := s.apply(&plan.Txns[i]); err != nil {
			s.prev, s.reset = nil, res.Full
			return res, fmt.Errorf("nftables transaction %d of %d: %w", i+1, len(plan.Txns), err)
		}
		res.Txns++
	}
	s.prev, s.elems, s.reset = st, elems, false
	if res.Full {
		debug.FreeOSMemory() // a full sync allocates every message once
	}
	return res, nil
}

// prepare ensures the table's fixed part (deleting the table first after a
// failed full sync) and lists what else it holds.
func (s *Syncer) prepare() (*Stale, error) {
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
	return s.list()
}

// list returns the table's chains and sets and the shared maps' elements.
func (s *Syncer) list() (*Stale, error) {
	st := &Stale{}
	chains, err := s.conn.ListChainsOfTableFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return nil, fmt.Errorf("list nftables chains: %w", err)
	}
	for _, c := range chains {
		if c.Table != nil && c.Table.Name == TableName {
			st.Chains = append(st.Chains, c.Name)
		}
	}
	sets, err := s.conn.GetSets(s.table)
	if err != nil {
		return nil, fmt.Errorf("list nftables sets: %w", err)
	}
	for _, set := range sets {
		st.Sets = append(st.Sets, set.Name)
	}
	for g := range numGlobals {
		els, err := s.conn.GetSetElements(globalSet(s.table, g))
		if err != nil {
			return nil, fmt.Errorf("list nftables map %s: %w", g.Name(), err)
		}
		for _, el := range els {
			// Values are not decoded: unknown, so claimed keys are rewritten.
			if k, ok := decodeKey(g, el.Key); ok {
				st.Elems = append(st.Elems, Elem{k, ElemVal{Verdict: verdictUnknown}})
			}
		}
	}
	return st, nil
}

// verdictUnknown is the value of an element read from the kernel.
const verdictUnknown Verdict = 255

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
