// Package runall runs Wharf's component benchmarks one after another and
// prints their figures as one table (see package table for the specs and
// the output parsers). cmd/bench-all and hack/bench/run.sh are its front
// ends.
package runall

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wharfhq/wharf/hack/bench/table"
	"github.com/wharfhq/wharf/hack/internal/gobuild"
)

// Options select and size the benchmarks.
type Options struct {
	// Only is a comma-separated subset of the benchmark names (all if "").
	Only string
	// Small runs tiny sizes: checks every benchmark runs, figures mean little.
	Small bool
	// LogDir keeps each benchmark's output (a new temp dir if "").
	LogDir string
	// Out receives the table; Progress the log directory line.
	Out, Progress io.Writer
}

// Run runs the selected benchmarks and writes the table. A failed
// benchmark becomes a FAILED row, and Run then returns an error naming it.
func Run(ctx context.Context, o Options) error {
	specs, err := selectSpecs(table.Specs(), o.Only)
	if err != nil {
		return err
	}
	root, err := gobuild.RepoRoot(ctx)
	if err != nil {
		return err
	}
	logDir := o.LogDir
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
		r, err := runOne(ctx, root, s, o.Small, logPath)
		if err != nil {
			failed = append(failed, s.Name)
			r = append(r, table.Row{Bench: s.Name, Figure: "FAILED: " + firstLine(err.Error()), Measured: "see " + logPath})
		}
		rows = append(rows, r...)
		if ctx.Err() != nil {
			break
		}
	}
	fmt.Fprintln(o.Out)
	if err := table.Write(o.Out, rows); err != nil {
		return err
	}
	fmt.Fprintf(o.Progress, "\noutputs of every benchmark: %s\n", logDir)
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
