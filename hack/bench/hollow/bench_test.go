package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Second)
	}
	for p, want := range map[float64]time.Duration{99: 99 * time.Second, 100: 100 * time.Second, 50: 50 * time.Second, 0.5: time.Second} {
		if got := percentile(ds, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if percentile(nil, 99) != 0 {
		t.Error("percentile of nothing is not 0")
	}
}

func TestLeaseStatsCountsStaleAndMissing(t *testing.T) {
	var s leaseStats
	s.add([]time.Duration{time.Second, 39 * time.Second}, 0, 40*time.Second)
	s.add([]time.Duration{41 * time.Second, 2 * time.Second}, 1, 40*time.Second)
	if s.samples != 2 || s.staleMax != 2 || len(s.ages) != 4 {
		t.Fatalf("stats %+v, want 2 samples, 2 stale at most, 4 ages", s)
	}
}

func TestReadUsage(t *testing.T) {
	u, err := readUsage(os.Getpid())
	if err != nil || u.rss <= 0 || u.peak < u.rss {
		t.Fatalf("own usage %+v, %v", u, err)
	}
	if got := cpuPercent(usage{at: u.at, cpu: 1}, usage{at: u.at.Add(2 * time.Second), cpu: 2}); got != 50 {
		t.Errorf("cpuPercent = %v, want 50", got)
	}
}

func TestPaceSendsEveryIndexOnce(t *testing.T) {
	next := make(chan int)
	go pace(context.Background(), next, 50, 10000)
	i := 0
	for got := range next {
		if got != i {
			t.Fatalf("got %d, want %d", got, i)
		}
		i++
	}
	if i != 50 {
		t.Fatalf("sent %d, want 50", i)
	}
}

func TestBenchPodPlacement(t *testing.T) {
	if p := benchPod(7, 5, false); p.Spec.NodeName != "hollow-2" || p.Name != "p-7" {
		t.Errorf("bound pod %s on %q", p.Name, p.Spec.NodeName)
	}
	if p := benchPod(7, 5, true); p.Spec.NodeName != "" {
		t.Errorf("scheduled pod pre-bound to %q", p.Spec.NodeName)
	}
}

func TestValidate(t *testing.T) {
	good := options{apiserver: "a", kubelet: "k", nodes: 10, clients: 1, podQPS: 1, window: time.Minute}
	if err := good.validate(); err != nil {
		t.Fatal(err)
	}
	for name, o := range map[string]options{
		"no binaries":  {nodes: 10, clients: 1, podQPS: 1, window: time.Minute},
		"zero nodes":   {apiserver: "a", kubelet: "k", clients: 1, podQPS: 1, window: time.Minute},
		"short window": {apiserver: "a", kubelet: "k", nodes: 1, clients: 1, podQPS: 1, window: time.Second},
		"zero qps":     {apiserver: "a", kubelet: "k", nodes: 1, clients: 1, window: time.Minute},
	} {
		if o.validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestWriteTable(t *testing.T) {
	var buf bytes.Buffer
	if err := writeTable(&buf, []row{{"hollow nodes", "5000"}, {"lease age max / p99", "11s / 10s"}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "lease age max / p99  11s / 10s") {
		t.Fatalf("table:\n%s", buf.String())
	}
}
