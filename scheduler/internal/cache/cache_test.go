package cache

import (
	"testing"
	"time"

	"github.com/wharfhq/wharf/scheduler/internal/state"
	tp "github.com/wharfhq/wharf/scheduler/internal/testpods"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func requested(t *testing.T, snap *state.Snapshot, node string) int64 {
	t.Helper()
	n := snap.Get(node)
	if n == nil {
		t.Fatalf("node %s not in snapshot", node)
	}
	return n.Requested.MilliCPU
}

func TestAssumeConfirmForget(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	c := New(time.Second, clk.now)
	c.AddNode(tp.Node("a", "4", "8Gi"))
	c.AddNode(tp.Node("b", "4", "8Gi"))
	snap := &state.Snapshot{}
	c.UpdateSnapshot(snap)
	if len(snap.Nodes) != 2 {
		t.Fatalf("snapshot has %d nodes", len(snap.Nodes))
	}

	p := tp.Pod("p", "1", "")
	if err := c.Assume(state.NewPodInfo(p), "a"); err != nil {
		t.Fatal(err)
	}
	if err := c.Assume(state.NewPodInfo(p), "a"); err == nil {
		t.Fatal("second Assume of the same pod must fail")
	}
	old := snap.Get("a")
	c.UpdateSnapshot(snap)
	if got := requested(t, snap, "a"); got != 1000 {
		t.Fatalf("assumed pod not counted: %d", got)
	}
	if old.Requested.MilliCPU != 0 {
		t.Fatal("snapshot update mutated the previous NodeInfo")
	}

	// The watch confirms the pod on another node than assumed.
	bound := p.DeepCopy()
	bound.Spec.NodeName = "b"
	c.AddPod(bound)
	c.UpdateSnapshot(snap)
	if requested(t, snap, "a") != 0 || requested(t, snap, "b") != 1000 || c.IsAssumed(p.UID) {
		t.Fatalf("confirm: a=%d b=%d", requested(t, snap, "a"), requested(t, snap, "b"))
	}

	q := tp.Pod("q", "2", "")
	if err := c.Assume(state.NewPodInfo(q), "a"); err != nil {
		t.Fatal(err)
	}
	c.Forget(q.UID)
	c.UpdateSnapshot(snap)
	if requested(t, snap, "a") != 0 {
		t.Fatal("forgotten pod still counted")
	}
}

func TestExpireAssumed(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	c := New(time.Second, clk.now)
	c.AddNode(tp.Node("a", "4", "8Gi"))
	p := tp.Pod("p", "1", "")
	if err := c.Assume(state.NewPodInfo(p), "a"); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(time.Hour)
	if n := c.Cleanup(); n != 0 {
		t.Fatal("pod expired before its binding finished")
	}
	c.FinishBinding(p.UID)
	clk.t = clk.t.Add(500 * time.Millisecond)
	if n := c.Cleanup(); n != 0 {
		t.Fatal("expired before TTL")
	}
	clk.t = clk.t.Add(time.Second)
	if n := c.Cleanup(); n != 1 {
		t.Fatalf("expired %d, want 1", n)
	}
	if _, pods := c.Counts(); pods != 0 {
		t.Fatalf("%d pods left", pods)
	}
}

func TestConfirmedPodNeverExpires(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	c := New(time.Second, clk.now)
	c.AddNode(tp.Node("a", "4", "8Gi"))
	p := tp.Pod("p", "1", "", tp.OnNode("a"))
	_ = c.Assume(state.NewPodInfo(p), "a")
	c.FinishBinding(p.UID)
	c.AddPod(p)
	clk.t = clk.t.Add(time.Hour)
	if c.Cleanup() != 0 {
		t.Fatal("confirmed pod expired")
	}
}

func TestNodeRemovalAndPlaceholders(t *testing.T) {
	c := New(0, nil)
	c.AddPod(tp.Pod("early", "1", "", tp.OnNode("late")))
	snap := &state.Snapshot{}
	c.UpdateSnapshot(snap)
	if len(snap.Nodes) != 0 {
		t.Fatal("placeholder node in snapshot")
	}
	c.AddNode(tp.Node("late", "4", "8Gi"))
	c.UpdateSnapshot(snap)
	if requested(t, snap, "late") != 1000 {
		t.Fatal("pod seen before its node not counted")
	}
	c.RemoveNode("late")
	c.UpdateSnapshot(snap)
	if len(snap.Nodes) != 0 {
		t.Fatal("removed node still in snapshot")
	}
	c.RemovePod("uid-early")
	if nodes, pods := c.Counts(); nodes != 0 || pods != 0 {
		t.Fatalf("left %d nodes %d pods", nodes, pods)
	}
}

func TestSnapshotIncremental(t *testing.T) {
	c := New(0, nil)
	c.AddNode(tp.Node("a", "4", "8Gi"))
	c.AddNode(tp.Node("b", "4", "8Gi"))
	snap := &state.Snapshot{}
	c.UpdateSnapshot(snap)
	a, b := snap.Get("a"), snap.Get("b")
	c.AddPod(tp.Pod("p", "1", "", tp.OnNode("b")))
	c.UpdateSnapshot(snap)
	if snap.Get("a") != a {
		t.Fatal("unchanged node a was copied")
	}
	if snap.Get("b") == b || requested(t, snap, "b") != 1000 {
		t.Fatal("changed node b not refreshed")
	}
	c.AddNode(tp.Node("c", "4", "8Gi"))
	c.UpdateSnapshot(snap)
	if len(snap.Nodes) != 3 || snap.Get("a") != a {
		t.Fatal("node addition: rebuild lost or copied nodes")
	}
}
