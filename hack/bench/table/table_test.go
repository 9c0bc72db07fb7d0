package table

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Outputs in testdata/ are real outputs of small runs (hack/bench/run.sh
// --small), stdout and stderr together as the benchmark logs hold them.
func TestParse(t *testing.T) {
	for _, tc := range []struct {
		bench string
		rows  int
		want  Row // one of the rows, compared in full
	}{
		{"apiserver", 8, Row{"apiserver", "list 300 pods, resourceVersion=0 (median of 2, max 7.1 ms)", "7.1 ms", "<= 150 ms ok", "issue 3: 101 ms at 10k pods"}},
		{"scheduler", 3, Row{"scheduler", "wharf-scheduler, 20 nodes / 100 pods: throughput", "445 pods/s", "", "kube-scheduler (--upstream): 216–230 pods/s at 5k nodes, loaded (issue)"}},
		{"controllers", 3, Row{"controllers", "ReplicaSet 0 → 200 pods, all created", "337ms", "<= 5s", "etcd's write limit ~5,400/s: 5,000 creates ≈ 1 s"}},
		{"kubelet", 5, Row{"kubelet", "pod startup p99 (3 pods at once)", "351ms", "≤ 2s", "upstream SLO 5 s incl. scheduling"}},
		{"overlay", 2, Row{"overlay", "iperf3 pod→pod over wharf-flannel VXLAN (median)", "3.45 Gbit/s", "≈ hand-built VXLAN", "hand-built VXLAN 2.68, underlay 5.81 Gbit/s"}},
		{"proxy", 6, Row{"proxy", "nft, 100 services: one-service change, median / max", "49.4 ms / 49.4 ms", "", "kube-proxy: (first sync never ended)"}},
		{"hollow", 11, Row{"hollow", "hollow RSS per node, no pods", "2.25 MiB (45 MiB in all)", "≤ 5 MiB", "kubemark: one hollow-node process per node"}},
		{"density", 4, Row{"density", "6 pods on 3 nodes: pod startup p99", "512.7 ms", "≤ 5 s", "upstream pod startup SLO"}},
	} {
		t.Run(tc.bench, func(t *testing.T) {
			out, err := os.ReadFile(filepath.Join("testdata", tc.bench+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := spec(t, tc.bench).Parse(string(out))
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != tc.rows {
				t.Errorf("%d rows, want %d: %q", len(rows), tc.rows, rows)
			}
			found := false
			for _, r := range rows {
				found = found || r == tc.want
			}
			if !found {
				t.Errorf("no row %q in %q", tc.want, rows)
			}
		})
	}
}

// TestParseEmpty: output without figures (a crashed benchmark) is an
// error, not an empty table.
func TestParseEmpty(t *testing.T) {
	for _, s := range Specs() {
		if rows, err := s.Parse("==> building\nerror: boom\n"); err == nil {
			t.Errorf("%s: no error for output without figures, rows %q", s.Name, rows)
		}
	}
}

func TestSpecs(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Specs() {
		if seen[s.Name] || len(s.Cmd) == 0 || s.Parse == nil {
			t.Errorf("bad spec %+v", s)
		}
		seen[s.Name] = true
		if strings.Contains(s.Cmd[0], "/") {
			if _, err := os.Stat(filepath.Join("..", "..", "..", s.Cmd[0])); err != nil {
				t.Errorf("%s: %v", s.Name, err)
			}
		}
	}
	for _, want := range []string{"apiserver", "scheduler", "controllers", "kubelet", "hollow", "proxy", "overlay", "density"} {
		if !seen[want] {
			t.Errorf("no spec for %s", want)
		}
	}
}

func TestWrite(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, []Row{{"x", "a figure", "1 s", "", "up"}}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "benchmark") || !strings.Contains(lines[1], "a figure  1 s       -       up") {
		t.Errorf("table:\n%s", b.String())
	}
}

func spec(t *testing.T, name string) Spec {
	for _, s := range Specs() {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no spec %s", name)
	return Spec{}
}
