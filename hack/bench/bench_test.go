package bench

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
	"github.com/wharfhq/wharf/hack/internal/gobuild"
)

func TestPodJSONIsAPod(t *testing.T) {
	body := PodJSON("p-1", "node-a")
	var p corev1.Pod
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("PodJSON does not decode as a v1.Pod: %v", err)
	}
	if p.Name != "p-1" || p.Namespace != Namespace || p.Spec.NodeName != "node-a" || len(p.Spec.Containers) != 1 {
		t.Fatalf("decoded pod %+v", p)
	}
	if n := len(body); n < 900 || n > 1200 {
		t.Errorf("pod JSON is %d bytes, want about 1 KiB", n)
	}
}

func TestPercentile(t *testing.T) {
	var r LatencyResult
	for i := 1; i <= 100; i++ {
		r.Latencies = append(r.Latencies, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 99: 99 * time.Millisecond, 100: 100 * time.Millisecond, 0.1: time.Millisecond} {
		if got := r.Percentile(p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if (LatencyResult{}).Percentile(99) != 0 {
		t.Errorf("empty percentile not zero")
	}
}

func TestLatenciesPairWithAcks(t *testing.T) {
	acks := make([]atomic.Int64, 3)
	acks[0].Store(1000)
	acks[2].Store(5000) // pod 1 failed: no ack
	got := latencies([]sample{{0, 1500}, {1, 9000}, {2, 4000}, {7, 1}}, acks)
	want := []time.Duration{0, 500}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("latencies = %v, want %v", got, want)
	}
}

func TestWriteTable(t *testing.T) {
	var buf bytes.Buffer
	rows := []Row{row("b", "creates", "3100", ">= 3,000", check(true)), row("d", "list", "200 ms", "<= 150 ms", check(false)), row("a", "etcd", "5000", "", nil)}
	if err := WriteTable(&buf, rows); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, s := range []string{"measurement", "(b)  creates", " ok", " MISS", "(a)  etcd"} {
		if !strings.Contains(out, s) {
			t.Errorf("table lacks %q:\n%s", s, out)
		}
	}
}

// TestSuiteSmoke runs the whole suite at toy sizes against a freshly built
// wharf-apiserver, so the benchmark program keeps working. It checks that
// every measurement completes, not how fast.
func TestSuiteSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds wharf-apiserver")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "wharf-apiserver")
	if err := gobuild.Build(t.Context(), "./apiserver/cmd/wharf-apiserver", bin, ""); err != nil {
		t.Fatal(err)
	}
	rows, err := Suite(t.Context(), Options{
		APIServerBin: bin, WorkDir: dir, EtcdCreates: 200, EtcdSerial: 20, Clients: 8,
		Pods: 300, Watches: 20, WatchCreates: 200, WatchRate: 400, ListRuns: 2,
	})
	var buf bytes.Buffer
	_ = WriteTable(&buf, rows)
	t.Logf("smoke table:\n%s", buf.String())
	if err != nil {
		logs, _ := os.ReadFile(filepath.Join(dir, "apiserver.log"))
		t.Fatalf("suite: %v\napiserver log tail:\n%s", err, tail(logs, 3000))
	}
	ids := ""
	for _, r := range rows {
		ids += r.ID
	}
	if ids != "aabdccce" {
		t.Fatalf("rows %q, want measurements aabdccce", ids)
	}
	for _, r := range rows {
		if strings.Contains(r.Name, "events received") && (r.OK == nil || !*r.OK) {
			t.Fatalf("watch events incomplete: %s", r.Value)
		}
	}
}

func tail(b []byte, n int) []byte { return b[max(0, len(b)-n):] }

// BenchmarkEtcdTxnCreate is (a): b.N 1 KiB txn-creates from 64 clients.
func BenchmarkEtcdTxnCreate(b *testing.B) {
	e, err := StartEtcd(b.Context(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	b.ResetTimer()
	t, err := EtcdTxnCreates(b.Context(), e.Endpoint, "/bench", 64, max(b.N, 64), 1024)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(t.PerSecond(), "creates/s")
}

// BenchmarkPodCreate is (b) in process: b.N pod creates over HTTP from 64
// clients to an apiservertest server.
func BenchmarkPodCreate(b *testing.B) {
	s := apiservertest.Start(b)
	c := NewClient(s.URL, 64)
	defer c.Close()
	b.ResetTimer()
	t, err := c.CreatePods(b.Context(), "bench", 64, max(b.N, 64))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(t.PerSecond(), "creates/s")
}
