// Command wharf-apiserver serves the Kubernetes API over plain HTTP on
// etcd (embedded in --data-dir unless --etcd-servers is given).
package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/wharfhq/wharf/apiserver/internal/app"
)

func main() {
	cliApp := &cli.App{
		Name:  "wharf-apiserver",
		Usage: "Kubernetes-compatible API server on etcd",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "bind-address", Value: app.DefaultBindAddress, Usage: "IP address to listen on"},
			&cli.IntFlag{Name: "port", Value: app.DefaultPort, Usage: "plain-HTTP port (0 = any free port)"},
			&cli.StringFlag{Name: "data-dir", Value: app.DefaultDataDir, Usage: "directory of the embedded etcd"},
			&cli.StringSliceFlag{Name: "etcd-servers", Usage: "external etcd client URLs (comma-separated); embedded etcd if empty"},
			&cli.IntFlag{Name: "watch-cache-size", Usage: "events kept per resource watch cache (0 = default)"},
			&cli.DurationFlag{Name: "compaction-interval", Value: app.DefaultCompactionInterval, Usage: "etcd compaction interval"},
			&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error"},
		},
		Action: run,
	}
	if err := cliApp.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "wharf-apiserver:", err)
		os.Exit(1)
	}
}

func run(c *cli.Context) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return app.Run(ctx, app.Options{
		BindAddress:        c.String("bind-address"),
		Port:               c.Int("port"),
		DataDir:            c.String("data-dir"),
		EtcdServers:        c.StringSlice("etcd-servers"),
		WatchCacheCapacity: c.Int("watch-cache-size"),
		CompactionInterval: c.Duration("compaction-interval"),
		Logger:             logger,
	})
}
