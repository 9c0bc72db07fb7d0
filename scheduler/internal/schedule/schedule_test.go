package schedule

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/scheduler/internal/filter"
	"github.com/wharfhq/wharf/scheduler/internal/state"
	tp "github.com/wharfhq/wharf/scheduler/internal/testpods"
)

func snapshot(nodes ...*corev1.Node) *state.Snapshot {
	infos := make([]*state.NodeInfo, len(nodes))
	for i, n := range nodes {
		infos[i] = state.NewNodeInfo(n)
	}
	return state.NewSnapshot(infos)
}

func first(int) int { return 1 } // never replace on ties: first best wins

func TestNumFeasibleToFind(t *testing.T) {
	cases := []struct{ nodes, pct, want int }{
		{10, 0, 10}, {99, 0, 99}, {100, 0, 100}, {200, 0, 100}, {1000, 0, 420},
		{5000, 0, 500}, {6000, 0, 300}, {10000, 0, 500}, {1000, 30, 300}, {1000, 100, 1000}, {1000, 1, 100},
	}
	for _, c := range cases {
		if got := NumFeasibleToFind(c.nodes, c.pct); got != c.want {
			t.Errorf("NumFeasibleToFind(%d, %d) = %d, want %d", c.nodes, c.pct, got, c.want)
		}
	}
}

func TestSchedulePicksLeastLoaded(t *testing.T) {
	snap := snapshot(tp.Node("a", "2", "4Gi"), tp.Node("b", "8", "16Gi"), tp.Node("c", "1", "1Gi"))
	alg := New(Config{Tiebreak: first})
	res := alg.Schedule(snap, state.NewPodInfo(tp.Pod("p", "500m", "1Gi")), 0)
	if res.Node != "b" {
		t.Fatalf("got %q, want b (most free); %+v", res.Node, res)
	}
}

func TestScheduleUnschedulableReasons(t *testing.T) {
	taint := func(n *corev1.Node) {
		n.Spec.Taints = []corev1.Taint{{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}
	}
	snap := snapshot(tp.Node("a", "1", "4Gi"), tp.Node("b", "8", "16Gi", taint), tp.Node("c", "8", "16Gi", taint))
	res := New(Config{}).Schedule(snap, state.NewPodInfo(tp.Pod("p", "2", "1Gi")), 0)
	if res.Node != "" {
		t.Fatalf("scheduled on %q, want unschedulable", res.Node)
	}
	got := FailureMessage(res.NumNodes, res.Reasons)
	want := "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}. " +
		"preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
	if got != want {
		t.Fatalf("message:\n got %q\nwant %q", got, want)
	}
	if r := res.Reasons["a"]; r.Resource != "cpu" || r.Requested != 2000 || r.Capacity != 1000 {
		t.Fatalf("reason for a: %+v", r)
	}
}

func TestFailureMessageNoNodes(t *testing.T) {
	if got := FailureMessage(0, nil); got != "0/0 nodes are available." {
		t.Fatalf("got %q", got)
	}
}

func TestScheduleSpreadsOwnerPods(t *testing.T) {
	snap := snapshot(tp.Node("a", "4", "8Gi"), tp.Node("b", "4", "8Gi"))
	snap.Nodes[0].AddPod(state.NewPodInfo(tp.Pod("x", "", "", tp.OwnedBy("rs"), tp.OnNode("a"))))
	// Make b slightly busier so resource scores prefer a; spreading must win.
	snap.Nodes[1].AddPod(state.NewPodInfo(tp.Pod("y", "200m", "", tp.OnNode("b"))))
	res := New(Config{Tiebreak: first}).Schedule(snap, state.NewPodInfo(tp.Pod("p", "", "", tp.OwnedBy("rs"))), 0)
	if res.Node != "b" {
		t.Fatalf("got %q, want b (no replica of rs yet)", res.Node)
	}
}

func TestScheduleSamplingAndRotation(t *testing.T) {
	nodes := make([]*corev1.Node, 1000)
	for i := range nodes {
		nodes[i] = tp.Node(fmt.Sprintf("n%04d", i), "4", "8Gi")
	}
	snap := snapshot(nodes...)
	alg := New(Config{Parallelism: 4})
	res := alg.Schedule(snap, state.NewPodInfo(tp.Pod("p", "1", "1Gi")), 990)
	want := NumFeasibleToFind(1000, 0)
	if res.Feasible != want {
		t.Fatalf("feasible = %d, want %d (sampling)", res.Feasible, want)
	}
	if res.Evaluated < want || res.Evaluated >= 1000 {
		t.Fatalf("evaluated = %d, want in [%d, 1000)", res.Evaluated, want)
	}
	if res.NextStart != (990+res.Evaluated)%1000 {
		t.Fatalf("next start = %d, evaluated %d", res.NextStart, res.Evaluated)
	}
}

func TestScheduleParallelAllRejected(t *testing.T) {
	nodes := make([]*corev1.Node, 500)
	for i := range nodes {
		nodes[i] = tp.Node(fmt.Sprintf("n%04d", i), "1", "1Gi")
	}
	snap := snapshot(nodes...)
	res := New(Config{Parallelism: 4}).Schedule(snap, state.NewPodInfo(tp.Pod("p", "2", "")), 123)
	if res.Node != "" || len(res.Reasons) != 500 || res.Evaluated != 500 {
		t.Fatalf("node %q, %d reasons, %d evaluated", res.Node, len(res.Reasons), res.Evaluated)
	}
	if got := FailureMessage(res.NumNodes, res.Reasons); got[:47] != "0/500 nodes are available: 500 Insufficient cpu" {
		t.Fatalf("message %q", got)
	}
}

func TestScheduleCustomFilters(t *testing.T) {
	snap := snapshot(tp.Node("a", "4", "8Gi"), tp.Node("b", "4", "8Gi"))
	onlyB := filter.Named{Name: "OnlyB", Fn: func(_ *state.PodInfo, n *state.NodeInfo) *filter.Reason {
		if n.Name != "b" {
			return &filter.Reason{Message: "not b"}
		}
		return nil
	}}
	res := New(Config{Filters: []filter.Named{onlyB}}).Schedule(snap, state.NewPodInfo(tp.Pod("p", "", "")), 0)
	if res.Node != "b" {
		t.Fatalf("got %q", res.Node)
	}
}

func BenchmarkSchedule5000(b *testing.B) {
	nodes := make([]*corev1.Node, 5000)
	for i := range nodes {
		nodes[i] = tp.Node(fmt.Sprintf("n%04d", i), "32", "64Gi")
	}
	snap := snapshot(nodes...)
	alg := New(Config{})
	start := 0
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		res := alg.Schedule(snap, state.NewPodInfo(tp.Pod(fmt.Sprintf("p%d", i), "100m", "100Mi")), start)
		start = res.NextStart
	}
}
