// Command hollow-bench measures hollow kubelets at scale: it starts a
// wharf-apiserver (embedded etcd, profiling on), optionally a
// wharf-scheduler, and one wharf-kubelet process running N hollow nodes;
// it measures the time until every node is Ready, creates P pods at a
// steady rate and measures the time until all are Running, then samples
// every lease's age for a window and reports lease freshness (max, p99),
// and CPU and memory of the apiserver and the hollow process, as a table.
//
//	hack/bench/hollow/run.sh --nodes 5000 --pods 50000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type options struct {
	apiserver, kubelet, scheduler string
	workDir, profileDir, stateDir string
	nodes, pods, clients          int
	podQPS                        float64
	window, settle, timeout       time.Duration
}

func (o options) validate() error {
	switch {
	case o.apiserver == "" || o.kubelet == "":
		return errors.New("--apiserver and --kubelet are required")
	case o.nodes < 1 || o.nodes > 16384:
		return fmt.Errorf("--nodes %d out of range 1..16384", o.nodes)
	case o.pods < 0 || o.clients < 1 || o.podQPS <= 0:
		return errors.New("--pods must be >= 0, --clients >= 1 and --pod-qps > 0")
	case o.window < 60*time.Second:
		return fmt.Errorf("--window %v: lease freshness needs at least 60s", o.window)
	}
	return nil
}

func main() {
	var o options
	flag.StringVar(&o.apiserver, "apiserver", "", "wharf-apiserver binary (required)")
	flag.StringVar(&o.kubelet, "kubelet", "", "wharf-kubelet binary (required)")
	flag.StringVar(&o.scheduler, "scheduler", "", "wharf-scheduler binary; empty binds pods round-robin by spec.nodeName")
	flag.IntVar(&o.nodes, "nodes", 1000, "hollow nodes")
	flag.IntVar(&o.pods, "pods", 0, "pods to create")
	flag.IntVar(&o.clients, "clients", 16, "concurrent pod creators")
	flag.Float64Var(&o.podQPS, "pod-qps", 100, "pod creates per second")
	flag.DurationVar(&o.window, "window", 90*time.Second, "steady-state window for lease ages and CPU (>= 60s)")
	flag.DurationVar(&o.settle, "settle", 20*time.Second, "pause after registration and after the pods before measuring")
	flag.DurationVar(&o.timeout, "timeout", 15*time.Minute, "give up after this long")
	flag.StringVar(&o.workDir, "workdir", "", "work directory, kept (default: a temp dir, removed)")
	flag.StringVar(&o.profileDir, "profile", "", "save the apiserver's CPU profile of the window here")
	flag.StringVar(&o.stateDir, "hollow-state-dir", "/dev/shm", "where the hollow kubelets keep their per-pod files (a temp dir in it, removed): "+
		"tmpfs keeps 50,000 pods' files off the disk etcd fsyncs to; empty: under --workdir")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "hollow-bench:", err)
		os.Exit(1)
	}
}
