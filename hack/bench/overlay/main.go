// Command overlay-bench measures wharf-flannel as issue 11 asks: iperf3
// between two pods on different nodes (1) over the plain underlay (routes
// via the other node, no encapsulation), (2) over a VXLAN link configured by
// hand, (3) over flannel.1 programmed by wharf-flannel; and the time to
// program routes, neighbours and FDB entries for 1,000 nodes. Nodes and pods
// are network namespaces wharf-ft-bench-* joined by a bridge in a namespace
// of its own; the host's network is never touched. run.sh builds and runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"
)

type options struct {
	apiserver, flannel string
	duration           time.Duration
	reps, peers        int
}

func main() {
	var o options
	flag.StringVar(&o.apiserver, "apiserver", "", "wharf-apiserver binary")
	flag.StringVar(&o.flannel, "flannel", "", "wharf-flannel binary")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "length of one iperf3 run")
	flag.IntVar(&o.reps, "reps", 3, "iperf3 runs per case (the median is reported)")
	flag.IntVar(&o.peers, "peers", 1000, "nodes for the programming-time measurement")
	flag.Parse()
	if o.apiserver == "" || o.flannel == "" {
		fmt.Fprintln(os.Stderr, "overlay-bench: --apiserver and --flannel are required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := runAll(ctx, o)
	stop()
	cleanLeftovers()
	if err != nil {
		fmt.Fprintln(os.Stderr, "overlay-bench:", err)
		os.Exit(1)
	}
}

// benchCase is one way of joining the two pods.
type benchCase struct {
	name     string
	podMTU   int
	setup    func() error
	teardown func()
}

// runAll runs the cases interleaved, round after round, so that load from
// other work on the machine spreads over all of them, then the programming
// measurement.
func runAll(ctx context.Context, o options) error {
	dir, err := os.MkdirTemp("", "overlay-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cl, err := startCluster(ctx, o, dir)
	if err != nil {
		return err
	}
	defer cl.stop()
	cases := []benchCase{
		{name: "underlay", podMTU: 1500, setup: underlayRoutes, teardown: func() {}},
		{name: "hand-built VXLAN", podMTU: 1450, setup: handVXLAN, teardown: func() {}},
		{name: "wharf-flannel", podMTU: 1450, setup: func() error { return cl.up(ctx) }, teardown: cl.down},
	}
	results := map[string][]float64{}
	for r := 0; r < o.reps; r++ {
		for _, c := range cases {
			g, err := runCase(ctx, o, c)
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "    round %d %-17s %.2f Gbit/s\n", r+1, c.name, g)
			results[c.name] = append(results[c.name], g)
		}
	}
	if err := buildTopology(1450); err != nil {
		return err
	}
	if err := cl.up(ctx); err != nil {
		return err
	}
	startToDone, syncTook, err := cl.programming(ctx, o.peers)
	if err != nil {
		return err
	}
	under, hand, fl := results["underlay"], results["hand-built VXLAN"], results["wharf-flannel"]
	fmt.Printf("\niperf3 pod→pod, %d runs × %v each, interleaved   median      best  (Gbit/s)\n", o.reps, o.duration)
	fmt.Printf("%-46s %8.2f  %8.2f\n", "underlay (veth + bridge, no encapsulation)", median(under), slices.Max(under))
	fmt.Printf("%-46s %8.2f  %8.2f  (%.2f / %.2f of underlay)\n", "hand-built VXLAN", median(hand), slices.Max(hand),
		median(hand)/median(under), slices.Max(hand)/slices.Max(under))
	fmt.Printf("%-46s %8.2f  %8.2f  (%.2f / %.2f of hand-built)\n", "wharf-flannel", median(fl), slices.Max(fl),
		median(fl)/median(hand), slices.Max(fl)/slices.Max(hand))
	fmt.Printf("programming %d peers: agent start → all routes/neighbours/FDB in the kernel %v; the agent's sync %v\n",
		o.peers, startToDone.Round(time.Millisecond), syncTook)
	return nil
}

func runCase(ctx context.Context, o options, c benchCase) (float64, error) {
	if err := buildTopology(c.podMTU); err != nil {
		return 0, err
	}
	defer c.teardown()
	if err := c.setup(); err != nil {
		return 0, fmt.Errorf("%s: %w", c.name, err)
	}
	g, err := iperf(ctx, o.duration)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", c.name, err)
	}
	return g, nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
