// Command wharf-proxy programs iptables so that Services reach their
// endpoints, in upstream kube-proxy's rule layout. It acts on the network
// namespace it runs in.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/wharfhq/wharf/proxy/internal/app"
)

// defaultGCPercent replaces Go's GOGC=100 unless GOGC is set: nearly all
// of the proxy's heap is long-lived caches, so the default lets the heap
// (and RSS) grow to twice their size between collections for little gain.
// A sync of one change allocates little, so collections stay rare; at 10k
// services 35 keeps RSS about 6 MiB lower than 50 (hack/bench/proxy).
const defaultGCPercent = 35

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	hostname, _ := os.Hostname()
	cliApp := &cli.App{
		Name:  "wharf-proxy",
		Usage: "Services on iptables (kube-proxy layout)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "kubeconfig", Usage: "kubeconfig file (default: $KUBECONFIG, ~/.kube/config)"},
			&cli.StringFlag{Name: "master", Usage: "apiserver URL, overrides the kubeconfig's"},
			&cli.StringFlag{Name: "hostname-override", Value: hostname, Usage: "this node's name"},
			&cli.StringFlag{Name: "cluster-cidr", Usage: "pod network; cluster-IP traffic from outside it is masqueraded"},
			&cli.StringFlag{Name: "proxy-mode", Value: app.ProxyModeIPTables, Usage: "iptables (kube-proxy's chains, through iptables-restore) or nftables (table ip wharf-proxy with maps, through netlink)"},
			&cli.StringFlag{Name: "iptables-mode", Value: "auto", Usage: "iptables backend in iptables mode: legacy, nft or auto (detect like upstream)"},
			&cli.DurationFlag{Name: "min-sync-period", Value: app.DefaultMinSyncPeriod, Usage: "least time between syncs"},
			&cli.DurationFlag{Name: "sync-period", Value: app.DefaultSyncPeriod, Usage: "period of syncs without changes (writes only what differs)"},
			&cli.DurationFlag{Name: "full-sync-period", Value: app.DefaultFullSyncPeriod, Usage: "period of full resyncs (rewrite every chain)"},
			&cli.StringFlag{Name: "healthz-bind-address", Value: "0.0.0.0:10256", Usage: "/healthz listen address (empty: off)"},
			&cli.StringFlag{Name: "metrics-bind-address", Value: "127.0.0.1:10249", Usage: "/metrics listen address (empty: off)"},
			&cli.BoolFlag{Name: "profiling", Usage: "serve /debug/pprof/ on the metrics address"},
			&cli.BoolFlag{Name: "cleanup", Usage: "remove all rules this proxy creates and exit"},
			&cli.BoolFlag{Name: "v", Usage: "debug logging (one line per sync)"},
		},
		Action: func(c *cli.Context) error {
			level := slog.LevelInfo
			if c.Bool("v") {
				level = slog.LevelDebug
			}
			return app.Run(c.Context, app.Options{
				Kubeconfig: c.String("kubeconfig"), Server: c.String("master"),
				NodeName: c.String("hostname-override"), ClusterCIDR: c.String("cluster-cidr"),
				ProxyMode: c.String("proxy-mode"), IPTablesMode: c.String("iptables-mode"),
				MinSyncPeriod: c.Duration("min-sync-period"), SyncPeriod: c.Duration("sync-period"),
				FullSyncPeriod: c.Duration("full-sync-period"),
				HealthzAddr:    c.String("healthz-bind-address"), MetricsAddr: c.String("metrics-bind-address"),
				Cleanup: c.Bool("cleanup"), Profiling: c.Bool("profiling"),
				Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
			})
		},
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cliApp.RunContext(ctx, os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "wharf-proxy:", err)
		stop()
		os.Exit(1)
	}
}
