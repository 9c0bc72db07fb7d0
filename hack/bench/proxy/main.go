// Command proxy-bench measures wharf-proxy as issue 10 asks: for N services
// × 5 endpoints on each iptables backend and in the native nftables mode
// (--modes picks), the first full sync, the time
// from one EndpointSlice update to its rules being in the kernel, and the
// proxy's RSS. Every case runs in a fresh network namespace
// (wharf-pt-bench-<mode>-<n>) that holds the apiserver, the proxy and their
// iptables or nftables; the host's tables are never touched. run.sh builds and runs it.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

type options struct {
	apiserver, proxy string
	mode             string
	services         int
	endpoints        int
	changes          int
	proxyArgs        string
	heapDir          string
	memLimit         string
	restart          bool
}

// result is one case, printed by the child as JSON.
type result struct {
	Mode           string        `json:"mode"`
	Services       int           `json:"services"`
	Rules          int64         `json:"rules"`
	FirstSync      time.Duration `json:"firstSync"`      // sync duration (render + restore)
	StartToSynced  time.Duration `json:"startToSynced"`  // process start to first sync done
	ChangeMedian   time.Duration `json:"changeMedian"`   // update sent → rules in kernel
	ChangeMax      time.Duration `json:"changeMax"`      //
	ChangeSyncOnly time.Duration `json:"changeSyncOnly"` // median proxy sync duration of a change
	StartCPU       time.Duration `json:"startCPU"`       // CPU of proxy + iptables from start to first sync done
	ChangeCPU      time.Duration `json:"changeCPU"`      // mean CPU of proxy + iptables per change
	RestartSync    time.Duration `json:"restartSync"`    // first sync after a restart over our own rules
	RestartPeak    int64         `json:"restartPeak"`    // peak RSS of the restarted proxy
	RSS            int64         `json:"rss"`
	Peak           int64         `json:"peak"`
	Err            string        `json:"err,omitempty"`
}

func main() {
	var o options
	child := flag.Bool("child", false, "internal: run one case in the current netns")
	flag.StringVar(&o.apiserver, "apiserver", "", "wharf-apiserver binary (required)")
	flag.StringVar(&o.proxy, "proxy", "", "wharf-proxy binary (required)")
	cases := flag.String("services", "1000,5000,10000", "comma-separated service counts")
	modes := flag.String("modes", "legacy,nft,nftables", "comma-separated modes: iptables backends (legacy, nft) or nftables (--proxy-mode)")
	flag.IntVar(&o.endpoints, "endpoints", 5, "endpoints per service")
	flag.IntVar(&o.changes, "changes", 5, "one-service changes to time per case")
	flag.StringVar(&o.proxyArgs, "proxy-args", "", "extra space-separated wharf-proxy arguments")
	flag.StringVar(&o.heapDir, "heap-profile-dir", "", "save the proxy's heap profile per case here (adds --profiling)")
	flag.StringVar(&o.memLimit, "proxy-gomemlimit", "", "GOMEMLIMIT for the proxy (e.g. 80MiB; default: unset)")
	flag.BoolVar(&o.restart, "restart", true, "also time a restart's full sync over the existing rules")
	flag.StringVar(&o.mode, "mode", "", "internal: backend of the -child case")
	flag.IntVar(&o.services, "n", 0, "internal: services of the -child case")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *child {
		r := runCase(ctx, o)
		_ = json.NewEncoder(os.Stdout).Encode(r)
		return
	}
	if o.apiserver == "" || o.proxy == "" {
		fmt.Fprintln(os.Stderr, "proxy-bench: need --apiserver and --proxy")
		os.Exit(2)
	}
	var results []result
	for _, mode := range strings.Split(*modes, ",") {
		for _, s := range strings.Split(*cases, ",") {
			n, err := strconv.Atoi(s)
			if err != nil || n <= 0 {
				fmt.Fprintf(os.Stderr, "proxy-bench: bad service count %q\n", s)
				os.Exit(2)
			}
			o.mode, o.services = mode, n
			r := inNetns(ctx, o)
			fmt.Fprintf(os.Stderr, "==> %s %d: %+v\n", mode, n, r)
			results = append(results, r)
		}
	}
	writeTable(results)
}

// inNetns runs one case as a child of this binary in a new netns.
func inNetns(ctx context.Context, o options) result {
	ns := fmt.Sprintf("wharf-pt-bench-%s-%d", o.mode, o.services)
	fail := func(err error) result { return result{Mode: o.mode, Services: o.services, Err: err.Error()} }
	_ = exec.Command("ip", "netns", "del", ns).Run()
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		return fail(fmt.Errorf("ip netns add: %v: %s", err, out))
	}
	defer func() { _ = exec.Command("ip", "netns", "del", ns).Run() }()
	if out, err := exec.Command("ip", "-n", ns, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		return fail(fmt.Errorf("lo up: %v: %s", err, out))
	}
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", ns, os.Args[0], "-child", "-mode", o.mode,
		"-n", strconv.Itoa(o.services), "-endpoints", strconv.Itoa(o.endpoints), "-changes", strconv.Itoa(o.changes),
		"-apiserver", o.apiserver, "-proxy", o.proxy, "-proxy-args", o.proxyArgs, "-heap-profile-dir", o.heapDir, "-proxy-gomemlimit", o.memLimit,
		"-restart="+strconv.FormatBool(o.restart))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	var r result
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Mode != "" {
			return r
		}
	}
	return fail(fmt.Errorf("child: %v", err))
}

func writeTable(rs []result) {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "backend\tservices\trules\tfirst full sync\tstart→synced (CPU)\tone-service change (median / max)\tits sync\tCPU per change\tRSS (peak)\trestart: full sync (peak RSS)\terror")
	for _, r := range rs {
		fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s (%s)\t%s / %s\t%s\t%s\t%d MiB (%d MiB)\t%s (%d MiB)\t%s\n", r.Mode, r.Services, r.Rules,
			sec(r.FirstSync), sec(r.StartToSynced), sec(r.StartCPU), ms(r.ChangeMedian), ms(r.ChangeMax), ms(r.ChangeSyncOnly),
			ms(r.ChangeCPU), r.RSS>>20, r.Peak>>20, sec(r.RestartSync), r.RestartPeak>>20, r.Err)
	}
	_ = w.Flush()
}

func sec(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
func ms(d time.Duration) string  { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
