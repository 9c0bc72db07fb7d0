// Command bench-all runs Wharf's component benchmarks one after another
// and prints their figures as one table (figure, measured, target,
// anchor). hack/bench/run.sh is its front end; see package runall.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/wharfhq/wharf/hack/bench/runall"
	"github.com/wharfhq/wharf/hack/bench/table"
)

func main() {
	var names []string
	for _, s := range table.Specs() {
		names = append(names, s.Name)
	}
	app := &cli.App{
		Name:  "bench-all",
		Usage: "run the component benchmarks and print one table",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "only", Usage: "comma-separated subset of " + strings.Join(names, ",")},
			&cli.BoolFlag{Name: "small", Usage: "tiny sizes: checks that every benchmark runs, figures mean little"},
			&cli.StringFlag{Name: "log-dir", Usage: "keep each benchmark's output here (default: a new temp dir)"},
		},
		Action: func(c *cli.Context) error {
			return runall.Run(c.Context, runall.Options{Only: c.String("only"), Small: c.Bool("small"),
				LogDir: c.String("log-dir"), Out: os.Stdout, Progress: os.Stderr})
		},
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.RunContext(ctx, os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "bench-all:", err)
		stop()
		os.Exit(1)
	}
}
