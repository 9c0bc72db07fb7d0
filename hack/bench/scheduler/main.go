package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
)

func main() {
	var o options
	flag.StringVar(&o.apiserver, "apiserver", "", "wharf-apiserver binary (required)")
	flag.StringVar(&o.scheduler, "scheduler", "", "wharf-scheduler binary")
	flag.StringVar(&o.upstream, "upstream", "", "upstream kube-scheduler binary (optional, run after wharf)")
	cases := flag.String("cases", "100:1000,1000:5000,5000:10000", "comma-separated nodes:pods cases")
	flag.IntVar(&o.clients, "clients", 64, "concurrent pod creators")
	flag.StringVar(&o.workDir, "workdir", "", "work directory (default: a temp dir, removed)")
	flag.StringVar(&o.extraArgs, "scheduler-args", "", "extra space-separated arguments for wharf-scheduler")
	flag.StringVar(&o.upstreamArgs, "upstream-args", "", "extra space-separated arguments for kube-scheduler, e.g. -v=4")
	flag.StringVar(&o.profileDir, "profile-dir", "", "save a 5s CPU profile of wharf-scheduler per case here")
	flag.Parse()
	if err := run(o, *cases); err != nil {
		fmt.Fprintln(os.Stderr, "scheduler-bench:", err)
		os.Exit(1)
	}
}

type options struct {
	apiserver, scheduler, upstream, workDir string
	profileDir, extraArgs, upstreamArgs     string
	clients                                 int
}

func run(o options, casesFlag string) error {
	if o.apiserver == "" || (o.scheduler == "" && o.upstream == "") {
		return fmt.Errorf("need --apiserver and --scheduler and/or --upstream")
	}
	cs, err := parseCases(casesFlag)
	if err != nil {
		return err
	}
	if o.workDir == "" {
		if o.workDir, err = os.MkdirTemp("", "scheduler-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(o.workDir)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var results []result
	for _, kind := range []string{"wharf", "upstream"} {
		bin := map[string]string{"wharf": o.scheduler, "upstream": o.upstream}[kind]
		if bin == "" {
			continue
		}
		for _, c := range cs {
			fmt.Fprintf(os.Stderr, "==> %s: %d nodes, %d pods\n", kind, c.nodes, c.pods)
			r, err := runCase(ctx, o, kind, bin, c)
			if err != nil {
				return fmt.Errorf("%s %d nodes: %w", kind, c.nodes, err)
			}
			results = append(results, r)
		}
	}
	return writeTable(results)
}

type benchCase struct{ nodes, pods int }

func parseCases(s string) ([]benchCase, error) {
	var out []benchCase
	for _, part := range strings.Split(s, ",") {
		n, m, ok := strings.Cut(strings.TrimSpace(part), ":")
		nodes, err1 := strconv.Atoi(n)
		pods, err2 := strconv.Atoi(m)
		if !ok || err1 != nil || err2 != nil || nodes <= 0 || pods <= 0 {
			return nil, fmt.Errorf("bad case %q: want nodes:pods", part)
		}
		out = append(out, benchCase{nodes, pods})
	}
	return out, nil
}

func writeTable(rs []result) error {
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "scheduler\tnodes\tpods\tpods/s\tp50\tp99\tpeak RSS MiB\tsched CPU-s\tapiserver CPU-s\t")
	for _, r := range rs {
		fmt.Fprintf(w, "%s\t%d\t%d\t%.0f\t%s\t%s\t%d\t%.1f\t%.1f\t\n", r.kind, r.nodes, r.pods, r.podsPerSec,
			r.p50.Round(100_000), r.p99.Round(100_000), r.peakRSS>>20, r.schedCPU, r.apiCPU)
	}
	return w.Flush()
}
