// Command bench-all runs Wharf's component benchmarks one after another
// and prints their figures as one table (figure, measured, target,
// anchor). hack/bench/run.sh is its front end; see package table.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/wharfhq/wharf/hack/bench/table"
	"github.com/wharfhq/wharf/hack/internal/gobuild"
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
		Action: run,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.RunContext(ctx, os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "bench-all:", err)
		stop()
		os.Exit(1)
	}
}

func run(c *cli.Context) error {
	specs, err := selectSpecs(table.Specs(), c.String("only"))
	if err != nil {
		return err
	}
	root, err := gobuild.RepoRoot(c.Context)
	if err != nil {
		return err
	}
	logDir := c.String("log-dir")
	if logDir == "" {
		if logDir, err = os.MkdirTemp("", "wharf-bench-all-"); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return err
	}
	var rows []table.Row
	var failed []string
	for _, s := range specs {
		logPath := filepath.Join(logDir, s.Name+".log")
		r, err := runOne(c.Context, root, s, c.Bool("small"), logPath)
		if err != nil {
			failed = append(failed, s.Name)
			r = append(r, table.Row{Bench: s.Name, Figure: "FAILED: " + firstLine(err.Error()), Measured: "see " + logPath})
		}
		rows = append(rows, r...)
		if c.Context.Err() != nil {
			break
		}
	}
	fmt.Println()
	if err := table.Write(os.Stdout, rows); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "\noutputs of every benchmark: %s\n", logDir)
	if len(failed) > 0 {
		return fmt.Errorf("failed: %s", strings.Join(failed, ", "))
	}
	return nil
}

// selectSpecs keeps the specs named in only (all if only is empty).
func selectSpecs(all []table.Spec, only string) ([]table.Spec, error) {
	if strings.TrimSpace(only) == "" {
		return all, nil
	}
	var out []table.Spec
	for _, name := range strings.Split(only, ",") {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(all, func(s table.Spec) bool { return s.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("--only: unknown benchmark %q", name)
		}
		out = append(out, all[i])
	}
	return out, nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
