// Command apiserver-bench measures etcd and the Wharf apiserver and prints
// the table of issue 3's figures. See package bench and hack/bench/run.sh.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/wharfhq/wharf/hack/bench"
)

func main() {
	app := &cli.App{
		Name:  "apiserver-bench",
		Usage: "measure embedded etcd and wharf-apiserver (127.0.0.1 only)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "apiserver", Usage: "wharf-apiserver binary; empty runs only (a)"},
			&cli.StringFlag{Name: "work-dir", Usage: "scratch directory (default: a new temp dir, removed after)"},
			&cli.BoolFlag{Name: "skip-etcd", Usage: "skip the raw etcd baseline (a)"},
			&cli.IntFlag{Name: "clients", Value: 64, Usage: "concurrent clients for (a) and (b)"},
			&cli.IntFlag{Name: "etcd-creates", Value: 20000, Usage: "(a) concurrent txns"},
			&cli.IntFlag{Name: "etcd-serial", Value: 2000, Usage: "(a) serial txns"},
			&cli.IntFlag{Name: "pods", Value: 10000, Usage: "(b) pods created, then listed (d)"},
			&cli.IntFlag{Name: "watches", Value: 1000, Usage: "(c) open watches"},
			&cli.BoolFlag{Name: "all-pods", Usage: "(c) every watch sees every pod, not one node's"},
			&cli.IntFlag{Name: "watch-creates", Value: 5000, Usage: "(c) pods created while watched"},
			&cli.IntFlag{Name: "watch-rate", Value: 1000, Usage: "(c) creates per second"},
			&cli.IntFlag{Name: "list-runs", Value: 5, Usage: "(d) repetitions"},
		},
		Action: run,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.RunContext(ctx, os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "apiserver-bench:", err)
		stop()
		os.Exit(1)
	}
}

func run(c *cli.Context) error {
	opts := bench.Options{
		APIServerBin: c.String("apiserver"), WorkDir: c.String("work-dir"), SkipEtcd: c.Bool("skip-etcd"),
		Clients: c.Int("clients"), EtcdCreates: c.Int("etcd-creates"), EtcdSerial: c.Int("etcd-serial"),
		Pods: c.Int("pods"), Watches: c.Int("watches"), AllPods: c.Bool("all-pods"),
		WatchCreates: c.Int("watch-creates"), WatchRate: c.Int("watch-rate"), ListRuns: c.Int("list-runs"),
	}
	if opts.WorkDir == "" {
		dir, err := os.MkdirTemp("", "wharf-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		opts.WorkDir = dir
	}
	rows, err := bench.Suite(c.Context, opts)
	if werr := bench.WriteTable(os.Stdout, rows); werr != nil {
		return werr
	}
	return err
}
