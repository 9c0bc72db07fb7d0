// Command wharf-kubelet is Wharf's node agent: it registers the node, runs
// the pods bound to it on containerd and wires them into the pod network.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/wharfhq/wharf/kubelet/internal/app"
	"github.com/wharfhq/wharf/kubelet/internal/hollow"
)

func main() {
	cliApp := &cli.App{
		Name:  "wharf-kubelet",
		Usage: "run the pods bound to this node on containerd",
		Flags: flags(),
		Action: func(c *cli.Context) error {
			ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
			defer stop()
			if n := c.Int("hollow-nodes"); n > 0 {
				return hollow.Run(ctx, hollow.Config{Kubeconfig: c.String("kubeconfig"), Count: n, Prefix: c.String("node-name") + "-", RootDir: c.String("root-dir")})
			}
			o, err := options(c)
			if err != nil {
				return err
			}
			return app.Run(ctx, o)
		},
	}
	if err := cliApp.RunContext(context.Background(), os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "wharf-kubelet:", err)
		os.Exit(1)
	}
}
