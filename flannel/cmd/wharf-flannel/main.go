// Command wharf-flannel is the per-node VXLAN overlay agent (see internal/app).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/wharfhq/wharf/flannel/internal/app"
)

func main() {
	cliApp := &cli.App{
		Name:  "wharf-flannel",
		Usage: "VXLAN overlay agent: makes every node's pod subnet reachable from every other node",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "kubeconfig", EnvVars: []string{"KUBECONFIG"}, Usage: "kubeconfig path"},
			&cli.StringFlag{Name: "node-name", EnvVars: []string{"NODE_NAME"}, Usage: "this node's Node name (default: hostname)"},
			&cli.StringFlag{Name: "iface", Usage: "underlay interface name or IPv4 address (default: default route's interface)"},
			&cli.StringFlag{Name: "net-conf", Usage: "net-conf.json file (default: ConfigMap kube-system/kube-flannel-cfg)"},
			&cli.StringFlag{Name: "subnet-file", Value: app.DefaultSubnetFile, Usage: "where to write subnet.env"},
			&cli.BoolFlag{Name: "ip-masq", Usage: "masquerade traffic leaving the pod network"},
			&cli.StringFlag{Name: "http-addr", Value: "127.0.0.1:8285", Usage: "address of /healthz and /metrics (empty: off)"},
			&cli.StringFlag{Name: "netns", Usage: "network namespace path to program (default: the current one)"},
			&cli.DurationFlag{Name: "resync", Usage: "full resync period (default 30s)"},
			&cli.BoolFlag{Name: "cleanup", Usage: "remove flannel.<VNI> and the masquerade rules, then exit"},
			&cli.BoolFlag{Name: "v", Usage: "debug logging"},
		},
		Action: run,
	}
	if err := cliApp.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "wharf-flannel:", err)
		os.Exit(1)
	}
}

func run(c *cli.Context) error {
	level := slog.LevelInfo
	if c.Bool("v") {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	nodeName := c.String("node-name")
	if nodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("node name: %w", err)
		}
		nodeName = h
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return app.Run(ctx, app.Options{
		Kubeconfig: c.String("kubeconfig"), NodeName: nodeName, Iface: c.String("iface"),
		NetConfFile: c.String("net-conf"), SubnetFile: c.String("subnet-file"), IPMasq: c.Bool("ip-masq"),
		HTTPAddr: c.String("http-addr"), NetNS: c.String("netns"), ResyncPeriod: c.Duration("resync"),
		Cleanup: c.Bool("cleanup"), Logger: logger,
	})
}
