// Command wharf-scheduler assigns pending pods to nodes.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/wharfhq/wharf/scheduler/internal/app"
)

func main() {
	cliApp := &cli.App{
		Name:  "wharf-scheduler",
		Usage: "assign pending pods to nodes",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "kubeconfig", EnvVars: []string{"KUBECONFIG"}, Usage: "kubeconfig file"},
			&cli.StringFlag{Name: "context", Usage: "kubeconfig context (default: current)"},
			&cli.StringFlag{Name: "scheduler-name", Value: "default-scheduler", Usage: "schedule pods with this spec.schedulerName"},
			&cli.StringFlag{Name: "bind-address", Value: "127.0.0.1:10259", Usage: "plain-HTTP address for /healthz and /metrics (empty: off)"},
			&cli.BoolFlag{Name: "leader-elect", Value: true, Usage: "run only while holding the Lease"},
			&cli.StringFlag{Name: "leader-elect-resource-name", Value: app.DefaultLeaseName},
			&cli.StringFlag{Name: "leader-elect-resource-namespace", Value: app.DefaultLeaseNamespace},
			&cli.DurationFlag{Name: "leader-elect-lease-duration", Value: app.DefaultLeaseDuration},
			&cli.DurationFlag{Name: "leader-elect-renew-deadline", Value: app.DefaultRenewDeadline},
			&cli.DurationFlag{Name: "leader-elect-retry-period", Value: app.DefaultRetryPeriod},
			&cli.IntFlag{Name: "percentage-of-nodes-to-score", Usage: "0: adaptive, as upstream"},
			&cli.IntFlag{Name: "bind-workers", Value: app.DefaultBindWorkers},
			&cli.Float64Flag{Name: "kube-api-qps", Value: app.DefaultQPS},
			&cli.IntFlag{Name: "kube-api-burst", Value: app.DefaultBurst},
			&cli.BoolFlag{Name: "profiling", Usage: "serve /debug/pprof/ on --bind-address"},
			&cli.BoolFlag{Name: "v", Usage: "debug logging"},
		},
		Action: run,
	}
	if err := cliApp.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "wharf-scheduler:", err)
		os.Exit(1)
	}
}

func run(c *cli.Context) error {
	level := slog.LevelInfo
	if c.Bool("v") {
		level = slog.LevelDebug
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return app.Run(ctx, app.Options{
		Kubeconfig: c.String("kubeconfig"), Context: c.String("context"),
		SchedulerName: c.String("scheduler-name"), BindAddress: c.String("bind-address"), Profiling: c.Bool("profiling"),
		LeaderElect: c.Bool("leader-elect"), LeaseName: c.String("leader-elect-resource-name"),
		LeaseNamespace: c.String("leader-elect-resource-namespace"),
		LeaseDuration:  c.Duration("leader-elect-lease-duration"), RenewDeadline: c.Duration("leader-elect-renew-deadline"),
		RetryPeriod:              c.Duration("leader-elect-retry-period"),
		PercentageOfNodesToScore: c.Int("percentage-of-nodes-to-score"), BindWorkers: c.Int("bind-workers"),
		QPS: float32(c.Float64("kube-api-qps")), Burst: c.Int("kube-api-burst"),
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
	})
}
