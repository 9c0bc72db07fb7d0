package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"
)

// Options sizes a Suite run. Zero values take the figures.
type Options struct {
	APIServerBin string // wharf-apiserver binary; empty skips (b)–(e)
	WorkDir      string // data dirs and the apiserver log go here
	SkipEtcd     bool   // skip (a)
	EtcdCreates  int    // (a) txns at Clients concurrency (default 20,000)
	EtcdSerial   int    // (a) serial txns (default 2,000)
	Clients      int    // concurrent clients for (a) and (b) (default 64)
	Pods         int    // (b) pods created, then listed in (d) (default 10,000)
	Watches      int    // (c) open watches (default 1,000)
	AllPods      bool   // (c) every watch sees every pod instead of one node's
	WatchCreates int    // (c) pods created while watched (default 5,000)
	WatchRate    int    // (c) creates per second (default 1,000)
	ListRuns     int    // (d) repetitions (default 5)
}

func (o *Options) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.EtcdCreates, 20000)
	def(&o.EtcdSerial, 2000)
	def(&o.Clients, 64)
	def(&o.Pods, 10000)
	def(&o.Watches, 1000)
	def(&o.WatchCreates, 5000)
	def(&o.WatchRate, 1000)
	def(&o.ListRuns, 5)
}

// Row is one line of the result table. OK is nil where there is no target.
type Row struct {
	ID, Name, Value, Target string
	OK                      *bool
}

func row(id, name, value, target string, ok *bool) Row {
	return Row{ID: id, Name: name, Value: value, Target: target, OK: ok}
}

func check(b bool) *bool { return &b }

// Suite runs the measurements in order and returns the rows gathered, with
// the first error that stopped it (earlier rows are still valid).
func Suite(ctx context.Context, o Options) ([]Row, error) {
	o.defaults()
	log := slog.Default()
	var rows []Row
	var etcdRate float64
	if !o.SkipEtcd {
		log.Info("(a) raw etcd txn creates", "concurrent", o.EtcdCreates, "serial", o.EtcdSerial)
		r, rate, err := etcdRows(ctx, o)
		rows, etcdRate = append(rows, r...), rate
		if err != nil {
			return rows, err
		}
	}
	if o.APIServerBin == "" {
		return rows, nil
	}
	srv, err := StartAPIServer(ctx, o.APIServerBin, o.WorkDir)
	if err != nil {
		return rows, err
	}
	defer srv.Stop()
	log.Info("apiserver started", "url", srv.URL, "log", srv.LogPath)
	r, err := apiserverRows(ctx, o, srv, etcdRate)
	return append(rows, r...), err
}

func etcdRows(ctx context.Context, o Options) ([]Row, float64, error) {
	dir, err := os.MkdirTemp(o.WorkDir, "etcd-")
	if err != nil {
		return nil, 0, fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(dir)
	e, err := StartEtcd(ctx, filepath.Join(dir, "data"))
	if err != nil {
		return nil, 0, err
	}
	defer e.Close()
	conc, err := EtcdTxnCreates(ctx, e.Endpoint, "/bench/conc", o.Clients, o.EtcdCreates, 1024)
	if err != nil {
		return nil, 0, err
	}
	serial, err := EtcdTxnCreates(ctx, e.Endpoint, "/bench/serial", 1, o.EtcdSerial, 1024)
	if err != nil {
		return nil, 0, err
	}
	return []Row{
		row("a", fmt.Sprintf("etcd txn-creates/s, 1 KiB, %d clients", o.Clients), fmt.Sprintf("%.0f", conc.PerSecond()), "baseline ~5,400", nil),
		row("a", "etcd txn-creates/s, 1 KiB, serial", fmt.Sprintf("%.0f", serial.PerSecond()), "baseline ~940", nil),
	}, conc.PerSecond(), nil
}

func apiserverRows(ctx context.Context, o Options, srv *APIServer, etcdRate float64) ([]Row, error) {
	log := slog.Default()
	c := NewClient(srv.URL, o.Clients)
	defer c.Close()
	log.Info("(b) pod creates", "pods", o.Pods, "clients", o.Clients)
	t, err := c.CreatePods(ctx, "load", o.Clients, o.Pods)
	if err != nil {
		return nil, err
	}
	value := fmt.Sprintf("%.0f", t.PerSecond())
	if etcdRate > 0 {
		value += fmt.Sprintf(" (%.0f%% of etcd)", 100*t.PerSecond()/etcdRate)
	}
	rows := []Row{row("b", fmt.Sprintf("pod creates/s via HTTP, %d clients", o.Clients), value, ">= 3,000", check(t.PerSecond() >= 3000))}

	log.Info("(d) list pods resourceVersion=0", "runs", o.ListRuns)
	r, err := listRow(ctx, c, o)
	if err != nil {
		return rows, err
	}
	rows = append(rows, r)
	log.Info("(c) watch latency", "watches", o.Watches, "creates", o.WatchCreates, "rate", o.WatchRate)
	r2, err := watchRows(ctx, c, srv, o)
	return append(rows, r2...), err
}

func listRow(ctx context.Context, c *Client, o Options) (Row, error) {
	var took []time.Duration
	var items int
	for range o.ListRuns {
		d, n, _, err := c.ListPods(ctx, "resourceVersion=0")
		if err != nil {
			return Row{}, err
		}
		took, items = append(took, d), n
	}
	slices.Sort(took)
	med := took[len(took)/2]
	name := fmt.Sprintf("list %d pods, resourceVersion=0 (median of %d, max %s)", items, len(took), ms(took[len(took)-1]))
	if items < o.Pods {
		return row("d", name, ms(med), "<= 150 ms", check(false)), fmt.Errorf("bench: list returned %d pods, want >= %d", items, o.Pods)
	}
	return row("d", name, ms(med), "<= 150 ms", check(med <= 150*time.Millisecond)), nil
}

func watchRows(ctx context.Context, c *Client, srv *APIServer, o Options) ([]Row, error) {
	_, _, rv, err := c.ListPods(ctx, "limit=1")
	if err != nil {
		return nil, err
	}
	w, err := OpenWatches(ctx, srv.URL, rv, o.Watches, !o.AllPods)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	res, err := w.Drive(ctx, c, o.WatchCreates, o.WatchRate, o.Clients, 30*time.Second)
	scope := "one node's pods each"
	if o.AllPods {
		scope = "all pods each"
	}
	p99 := res.Percentile(99)
	complete := res.Received >= res.Expected && res.Failures == 0
	rows := []Row{
		row("c", fmt.Sprintf("p99 create-ack → event, %d watches (%s), %.0f creates/s", o.Watches, scope, res.Rate),
			ms(p99), "<= 100 ms", check(p99 <= 100*time.Millisecond && complete)),
		row("c", "  p50 / max", ms(res.Percentile(50))+" / "+ms(res.Percentile(100)), "", nil),
		row("c", "  events received / expected", fmt.Sprintf("%d / %d", res.Received, res.Expected), "all", check(complete)),
	}
	mem, merr := srv.Memory()
	if merr != nil {
		return rows, errors.Join(err, merr)
	}
	total := o.Pods + res.Created
	rows = append(rows, row("e", fmt.Sprintf("apiserver RSS, %d pods, %d watches (peak %s)", total, o.Watches, mib(mem.Peak)),
		mib(mem.RSS), "<= 600 MiB", check(mem.RSS <= 600<<20)))
	return rows, err
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func mib(b int64) string { return fmt.Sprintf("%d MiB", b>>20) }

// WriteTable prints rows as an aligned table.
func WriteTable(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\tmeasurement\tresult\ttarget\t")
	for _, r := range rows {
		status := ""
		if r.OK != nil {
			status = "MISS"
			if *r.OK {
				status = "ok"
			}
		}
		fmt.Fprintf(tw, "(%s)\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Value, r.Target, status)
	}
	return tw.Flush()
}
