// Command hollow-bench measures hollow kubelets: it starts a
// wharf-apiserver and one wharf-kubelet process running N hollow nodes
// (--hollow-nodes), waits until every node is Ready, reports the
// kubelet's RSS per node, binds P pods round-robin to the nodes, waits
// until they are Running, then watches the nodes' Leases for a window and
// reports whether every lease stayed fresh and the kubelet's CPU.
//
//	hack/bench/hollow/run.sh --nodes 5000 --pods 50000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type options struct {
	apiserver, kubelet, workDir string
	nodes, pods, clients        int
	window                      time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.apiserver, "apiserver", "", "wharf-apiserver binary (required)")
	flag.StringVar(&o.kubelet, "kubelet", "", "wharf-kubelet binary (required)")
	flag.IntVar(&o.nodes, "nodes", 1000, "hollow nodes")
	flag.IntVar(&o.pods, "pods", 0, "pods to bind round-robin to the nodes")
	flag.IntVar(&o.clients, "clients", 32, "concurrent pod creators")
	flag.DurationVar(&o.window, "window", 60*time.Second, "how long to watch leases and CPU once settled")
	flag.StringVar(&o.workDir, "workdir", "", "work directory (default: a temp dir, removed)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "hollow-bench:", err)
		os.Exit(1)
	}
}
