package table

import (
	"fmt"
	"regexp"
	"strings"
)

// Specs are every benchmark, in the order run.sh runs them.
func Specs() []Spec {
	return []Spec{
		{Name: "apiserver", Cmd: []string{"hack/bench/cmd/apiserver-bench/run.sh"},
			Small: []string{"--etcd-creates", "500", "--etcd-serial", "100", "--pods", "300", "--watches", "20",
				"--watch-creates", "200", "--watch-rate", "200", "--list-runs", "2"},
			Parse: parseAPIServer},
		{Name: "scheduler", Cmd: []string{"hack/bench/scheduler/run.sh"},
			Small: []string{"--cases", "20:100", "--clients", "8"}, Parse: parseScheduler},
		{Name: "controllers", Cmd: []string{"go", "run", "./hack/bench/controllers"},
			Small: []string{"--pods", "200"}, Parse: parseControllers},
		{Name: "kubelet", Cmd: []string{"hack/bench/kubelet/run.sh"},
			Small: []string{"--pods", "3", "--idle-pods", "5", "--idle", "5s"}, Parse: parseKubelet},
		{Name: "hollow", Cmd: []string{"hack/bench/hollow/run.sh"},
			Full:  []string{"--nodes", "1000"},
			Small: []string{"--nodes", "20", "--window", "60s"}, Parse: parseHollow},
		{Name: "proxy", Cmd: []string{"hack/bench/proxy/run.sh"},
			Small: []string{"--services", "100", "--changes", "2"}, Parse: parseProxy},
		{Name: "overlay", Cmd: []string{"hack/bench/overlay/run.sh"},
			Small: []string{"--duration", "1s", "--reps", "1", "--peers", "20"}, Parse: parseOverlay},
		{Name: "density", Cmd: []string{"hack/bench/density/run.sh"},
			SmallEnv: []string{"WHARF_DENSITY_PODS=6"}, Parse: parseDensity},
	}
}

// apiserverAnchors: issue 3's quiet-run figures on this machine, by the
// start of a figure's name.
var apiserverAnchors = map[string]string{
	"etcd txn-creates/s, 1 KiB, serial": "issue 3: 1,526/s",
	"etcd txn-creates/s":                "etcd's write limit; issue 3: 5,509/s",
	"pod creates/s":                     "issue 3: 3,369/s = 61% of raw etcd",
	"p99 create-ack":                    "issue 3: 15 ms at 1,000 watches",
	"list ":                             "issue 3: 101 ms at 10k pods",
	"apiserver RSS":                     "issue 3: 374 MiB at 15k pods",
}

func apiserverAnchor(figure string) string {
	best := ""
	for prefix := range apiserverAnchors {
		if strings.HasPrefix(figure, prefix) && len(prefix) > len(best) {
			best = prefix
		}
	}
	return apiserverAnchors[best]
}

// parseAPIServer reads bench.WriteTable: "(id)  name  value  target  ok".
func parseAPIServer(out string) ([]Row, error) {
	var rows []Row
	for _, l := range lines(out) {
		c := columns(l)
		if len(c) < 3 || len(c[0]) != 3 || c[0][0] != '(' {
			continue
		}
		r := Row{Bench: "apiserver", Figure: c[1], Measured: c[2], Anchor: apiserverAnchor(c[1])}
		if len(c) > 3 {
			r.Target = strings.Join(c[3:], " ")
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil, errNoRows("apiserver")
	}
	return rows, nil
}

// parseScheduler reads scheduler-bench's table: kind nodes pods pods/s p50
// p99 RSS-MiB sched-CPU-s apiserver-CPU-s.
func parseScheduler(out string) ([]Row, error) {
	var rows []Row
	for _, l := range lines(out) {
		f := strings.Fields(l)
		if len(f) < 9 || (f[0] != "wharf" && f[0] != "upstream") {
			continue
		}
		who := map[string]string{"wharf": "wharf-scheduler", "upstream": "kube-scheduler"}[f[0]]
		anchor := "kube-scheduler (--upstream): 216–230 pods/s at 5k nodes, loaded (issue)"
		rows = append(rows,
			Row{"scheduler", fmt.Sprintf("%s, %s nodes / %s pods: throughput", who, f[1], f[2]), f[3] + " pods/s", "", anchor},
			Row{"scheduler", fmt.Sprintf("%s, %s nodes: p50 / p99 create→bound", who, f[1]), f[4] + " / " + f[5], "", "kube-scheduler: p99 18–29 s at 5k nodes, loaded"},
			Row{"scheduler", fmt.Sprintf("%s, %s nodes: peak RSS", who, f[1]), f[6] + " MiB", "", "kube-scheduler: 267 MiB at 5k nodes"})
	}
	if len(rows) == 0 {
		return nil, errNoRows("scheduler")
	}
	return rows, nil
}

// parseControllers reads the controllers benchmark: "%-52s %-12s %-10s".
func parseControllers(out string) ([]Row, error) {
	var rows []Row
	for _, l := range lines(out) {
		label, rest, ok := fixed(l, 52)
		if !ok || label == "measurement" {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		r := Row{Bench: "controllers", Figure: label, Measured: f[0], Target: strings.Join(f[1:], " ")}
		switch {
		case strings.Contains(label, "all created"):
			r.Anchor = "etcd's write limit ~5,400/s: 5,000 creates ≈ 1 s"
		case strings.Contains(label, "over-creation"):
			r.Target = "≤ " + r.Target
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil, errNoRows("controllers")
	}
	return rows, nil
}

// parseKubelet reads kubelet-bench's table: measure, value, target, ok.
func parseKubelet(out string) ([]Row, error) {
	var rows []Row
	for _, l := range lines(out) {
		c := columns(l)
		if len(c) < 2 || c[0] == "measure" || strings.HasPrefix(c[0], "==>") {
			continue
		}
		r := Row{Bench: "kubelet", Figure: c[0], Measured: c[1]}
		if len(c) > 2 {
			r.Target = c[2]
		}
		if strings.HasPrefix(c[0], "pod startup p99") {
			r.Anchor = "upstream SLO 5 s incl. scheduling"
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil, errNoRows("kubelet")
	}
	return rows, nil
}

// hollowTarget is issue 9's target for a hollow-bench figure.
func hollowTarget(figure string) string {
	switch {
	case strings.HasPrefix(figure, "hollow RSS per node"):
		return "≤ 5 MiB"
	case strings.HasPrefix(figure, "leases fresh"):
		return "yes"
	}
	return ""
}

// parseHollow reads hollow-bench's two-column table (measurement, value)
// below its "-----" rule.
func parseHollow(out string) ([]Row, error) {
	var rows []Row
	table := false
	for _, l := range lines(out) {
		if strings.HasPrefix(l, "-----") {
			table = true
			continue
		}
		c := columns(l)
		if !table || len(c) != 2 || strings.HasPrefix(c[0], "==>") {
			continue
		}
		r := Row{Bench: "hollow", Figure: c[0], Measured: c[1], Target: hollowTarget(c[0])}
		if strings.HasPrefix(c[0], "hollow RSS per node") {
			r.Anchor = "kubemark: one hollow-node process per node"
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil, errNoRows("hollow")
	}
	return rows, nil
}

// parseProxy reads proxy-bench's table: backend services rules full-sync
// start→synced change(median / max) its-sync RSS(peak) error.
func parseProxy(out string) ([]Row, error) {
	var rows []Row
	for _, l := range lines(out) {
		c := columns(l)
		if len(c) < 8 || (c[0] != "legacy" && c[0] != "nft") {
			continue
		}
		mode, n := c[0], c[1]
		at10k := n == "10000"
		sync, change, rss := "", "", ""
		if at10k {
			sync = map[string]string{"legacy": "≤ 4 s", "nft": "≤ 8 s"}[mode]
			change = map[string]string{"legacy": "≤ upstream", "nft": "≤ 100 ms"}[mode]
			rss = "≤ 100 MiB"
		}
		upSync := map[string]string{"legacy": "kube-proxy: 3.9 s at 10k", "nft": "kube-proxy: > 8 min at 10k"}[mode]
		upChange := map[string]string{"legacy": "kube-proxy: 1.1–1.3 s at 10k", "nft": "kube-proxy: (first sync never ended)"}[mode]
		fig := func(s string) string { return fmt.Sprintf("%s, %s services: %s", mode, n, s) }
		rows = append(rows,
			Row{"proxy", fig("first full sync"), c[3], sync, upSync},
			Row{"proxy", fig("one-service change, median / max"), c[5], change, upChange},
			Row{"proxy", fig("RSS (peak)"), c[7], rss, "kube-proxy: 240 MiB at 10k (legacy)"})
		if len(c) > 8 && c[8] != "" {
			rows = append(rows, Row{"proxy", fig("error"), c[8], "none", ""})
		}
	}
	if len(rows) == 0 {
		return nil, errNoRows("proxy")
	}
	return rows, nil
}

var (
	overlayLine = regexp.MustCompile(`^(underlay|hand-built VXLAN|wharf-flannel)\b.*?\s+([0-9.]+)\s+([0-9.]+)`)
	overlayProg = regexp.MustCompile(`^programming (\d+) peers: .* in the kernel (\S+); the agent's sync (\S+)`)
)

// parseOverlay reads overlay-bench's iperf3 lines and programming line.
func parseOverlay(out string) ([]Row, error) {
	var rows []Row
	gbit := map[string]string{}
	for _, l := range lines(out) {
		if m := overlayLine.FindStringSubmatch(l); m != nil {
			gbit[m[1]] = m[2]
		}
		if m := overlayProg.FindStringSubmatch(l); m != nil {
			rows = append(rows, Row{"overlay", "programming " + m[1] + " peers: start → all in kernel (agent's sync)",
				m[2] + " (" + m[3] + ")", "", "upstream flanneld: one event at a time"})
		}
	}
	if fl, ok := gbit["wharf-flannel"]; ok {
		rows = append([]Row{{"overlay", "iperf3 pod→pod over wharf-flannel VXLAN (median)", fl + " Gbit/s",
			"≈ hand-built VXLAN", fmt.Sprintf("hand-built VXLAN %s, underlay %s Gbit/s", gbit["hand-built VXLAN"], gbit["underlay"])}}, rows...)
	}
	if len(rows) == 0 {
		return nil, errNoRows("overlay")
	}
	return rows, nil
}

var densityMetric = regexp.MustCompile(`([0-9.e+-]+) (startup-p50-ms|startup-p99-ms|api-p99-ms|all-running-s)`)

// parseDensity reads BenchmarkDensity's reported metrics.
func parseDensity(out string) ([]Row, error) {
	got := map[string]string{}
	pods := "100"
	for _, l := range lines(out) {
		if m := regexp.MustCompile(`density: (\d+) pods on`).FindStringSubmatch(l); m != nil {
			pods = m[1]
		}
		if !strings.HasPrefix(l, "BenchmarkDensity") {
			continue
		}
		for _, m := range densityMetric.FindAllStringSubmatch(l, -1) {
			got[m[2]] = m[1]
		}
	}
	if len(got) == 0 {
		return nil, errNoRows("density")
	}
	fig := func(s string) string { return fmt.Sprintf("%s pods on 3 nodes: %s", pods, s) }
	return []Row{
		{"density", fig("pod startup p50"), got["startup-p50-ms"] + " ms", "", ""},
		{"density", fig("pod startup p99"), got["startup-p99-ms"] + " ms", "≤ 5 s", "upstream pod startup SLO"},
		{"density", fig("API call p99"), got["api-p99-ms"] + " ms", "≤ 1 s", "upstream API call latency SLO"},
		{"density", fig("all Running after"), got["all-running-s"] + " s", "", ""},
	}, nil
}
