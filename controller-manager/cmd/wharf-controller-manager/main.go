// Command wharf-controller-manager runs the controllers that drive the
// cluster toward its desired state.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/wharfhq/wharf/controller-manager/internal/app"
)

func main() {
	a := &cli.App{
		Name:  "wharf-controller-manager",
		Usage: "run the Wharf controllers (replication, deployments, jobs, endpoints, GC, nodes...)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "kubeconfig", Usage: "kubeconfig with the controller-manager's credentials"},
			&cli.StringFlag{Name: "master", Usage: "apiserver URL (overrides the kubeconfig)"},
			&cli.StringSliceFlag{Name: "controllers", Value: cli.NewStringSlice("*"), Usage: "controllers to run: '*' all, 'foo' enables, '-foo' disables"},
			&cli.IntFlag{Name: "concurrent-syncs", Value: 5, Usage: "workers per controller"},
			&cli.BoolFlag{Name: "leader-elect", Value: true},
			&cli.DurationFlag{Name: "leader-elect-lease-duration", Value: 15 * time.Second},
			&cli.DurationFlag{Name: "leader-elect-renew-deadline", Value: 10 * time.Second},
			&cli.DurationFlag{Name: "leader-elect-retry-period", Value: 2 * time.Second},
			&cli.StringFlag{Name: "bind-address", Value: "127.0.0.1:10257", Usage: "serve /healthz and /metrics here (empty: off)"},
			&cli.Float64Flag{Name: "kube-api-qps", Value: 500},
			&cli.IntFlag{Name: "kube-api-burst", Value: 1000},
			&cli.StringFlag{Name: "cluster-cidr", Value: "10.244.0.0/16"},
			&cli.IntFlag{Name: "node-cidr-mask-size", Value: 24},
			&cli.DurationFlag{Name: "node-monitor-grace-period", Value: 40 * time.Second},
			&cli.StringFlag{Name: "log-level", Value: "info"},
		},
		Action: func(c *cli.Context) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
				return fmt.Errorf("bad --log-level: %w", err)
			}
			logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
			return app.Run(c.Context, app.Options{
				Kubeconfig: c.String("kubeconfig"), Server: c.String("master"),
				Controllers: c.StringSlice("controllers"), Workers: c.Int("concurrent-syncs"),
				LeaderElect: c.Bool("leader-elect"), LeaseDuration: c.Duration("leader-elect-lease-duration"),
				RenewDeadline: c.Duration("leader-elect-renew-deadline"), RetryPeriod: c.Duration("leader-elect-retry-period"),
				BindAddress: c.String("bind-address"), QPS: float32(c.Float64("kube-api-qps")), Burst: c.Int("kube-api-burst"),
				ClusterCIDR: c.String("cluster-cidr"), NodeCIDRMaskSize: c.Int("node-cidr-mask-size"),
				NodeMonitorGracePeriod: c.Duration("node-monitor-grace-period"), Logger: logger,
			})
		},
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := a.RunContext(ctx, os.Args)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
