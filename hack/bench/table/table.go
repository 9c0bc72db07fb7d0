// Package table turns the outputs of Wharf's component benchmarks into the
// rows of one table (figure, measured, target, anchor) for
// hack/bench/run.sh.
//
//	spec ──run──▶ stdout text ──Parse──▶ []Row ──Write──▶ one table
//
// Every benchmark keeps its own command and output format; a Spec says how
// to run it (its run.sh, full-scale and small arguments) and how to read
// the figures out of what it prints. The anchor is what a figure is best
// compared with: upstream's figure on this machine where a benchmark or an
// issue measured it, or the SLO a target comes from.
package table

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/tabwriter"
)

// Row is one figure of the table.
type Row struct {
	Bench, Figure, Measured, Target, Anchor string
}

// Spec is one benchmark.
type Spec struct {
	// Name selects it (run.sh --only).
	Name string
	// Cmd is the command, relative to the repository root.
	Cmd []string
	// Full and Small are the arguments for a full-scale run and for a
	// quick check that the benchmark and its row parsing work.
	Full, Small []string
	// SmallEnv is extra environment for a small run.
	SmallEnv []string
	// Parse reads the rows from the command's standard output.
	Parse func(out string) ([]Row, error)
}

// Write prints rows as one aligned table.
func Write(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "benchmark\tfigure\tmeasured\ttarget\tanchor")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Bench, r.Figure, r.Measured, dash(r.Target), dash(r.Anchor))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// columns splits a line of a tabwriter table (cells padded by at least two
// spaces) into its trimmed cells.
func columns(line string) []string {
	return regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(line), -1)
}

// fixed splits a line printed with a left-aligned label of width n ("%-ns",
// which counts runes) into the label and the rest.
func fixed(line string, n int) (label, rest string, ok bool) {
	r := []rune(line)
	if len(r) <= n || r[n-1] != ' ' {
		return "", "", false
	}
	return strings.TrimSpace(string(r[:n])), strings.TrimSpace(string(r[n:])), true
}

// lines are the non-empty lines of out.
func lines(out string) []string {
	var ls []string
	for _, l := range strings.Split(out, "\n") {
		if strings.TrimSpace(l) != "" {
			ls = append(ls, strings.TrimRight(l, " \r"))
		}
	}
	return ls
}

// errNoRows says a benchmark's output held none of its figures.
func errNoRows(bench string) error {
	return fmt.Errorf("table: no %s figures found in its output", bench)
}
