package queue

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	tp "github.com/wharfhq/wharf/scheduler/internal/testpods"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func withPriority(p int32) func(*corev1.Pod) {
	return func(pod *corev1.Pod) { pod.Spec.Priority = &p }
}

func pop(t *testing.T, q *Queue) *Item {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	it, err := q.Pop(ctx)
	if err != nil {
		t.Fatalf("pop: %v", err)
	}
	return it
}

func TestPriorityThenAge(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	q := New(clk.now)
	for _, p := range []*corev1.Pod{tp.Pod("low", "", ""), tp.Pod("high", "", "", withPriority(10)),
		tp.Pod("low2", "", ""), tp.Pod("high2", "", "", withPriority(10))} {
		clk.t = clk.t.Add(time.Second)
		q.Add(p)
	}
	var got []string
	for range 4 {
		got = append(got, pop(t, q).Pod.Name)
	}
	want := []string{"high", "high2", "low", "low2"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{time.Second, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}
	for i, w := range want {
		if got := Backoff(i); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i, got, w)
		}
	}
}

func TestUnschedulableMovedOnEvent(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	q := New(clk.now)
	q.Add(tp.Pod("p", "", ""))
	it := pop(t, q)
	q.AddUnschedulable(it)
	if a, b, u := q.Lens(); a != 0 || b != 0 || u != 1 {
		t.Fatalf("lens %d %d %d", a, b, u)
	}
	clk.t = clk.t.Add(time.Minute) // backoff over
	q.Flush()
	if _, _, u := q.Lens(); u != 1 {
		t.Fatal("unschedulable pod retried without an event")
	}
	q.MoveAll()
	if a, _, _ := q.Lens(); a != 1 {
		t.Fatal("event did not move the pod to activeQ")
	}
	if it2 := pop(t, q); it2.Attempts != 2 {
		t.Fatalf("attempts = %d", it2.Attempts)
	}
}

func TestEventDuringAttemptGoesToBackoff(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	q := New(clk.now)
	q.Add(tp.Pod("p", "", ""))
	it := pop(t, q)
	q.MoveAll() // a node appeared while we were scheduling
	q.AddUnschedulable(it)
	if _, b, u := q.Lens(); b != 1 || u != 0 {
		t.Fatalf("backoff %d unschedulable %d", b, u)
	}
	clk.t = clk.t.Add(500 * time.Millisecond)
	q.Flush()
	if a, _, _ := q.Lens(); a != 0 {
		t.Fatal("left backoff before 1s")
	}
	clk.t = clk.t.Add(600 * time.Millisecond)
	q.Flush()
	if a, _, _ := q.Lens(); a != 1 {
		t.Fatal("not active after backoff")
	}
}

func TestDeleteAndDone(t *testing.T) {
	q := New(nil)
	q.Add(tp.Pod("a", "", ""))
	q.Add(tp.Pod("b", "", ""))
	q.Delete("uid-a")
	it := pop(t, q)
	if it.Pod.Name != "b" {
		t.Fatalf("popped %s", it.Pod.Name)
	}
	q.Done(it.Pod.UID)
	q.AddBackoff(it) // no longer tracked: ignored
	if a, b, u := q.Lens(); a+b+u != 0 {
		t.Fatalf("queue not empty: %d %d %d", a, b, u)
	}
}

func TestUpdateUnschedulableRetries(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	q := New(clk.now)
	p := tp.Pod("p", "", "")
	q.Add(p)
	q.AddUnschedulable(pop(t, q))
	clk.t = clk.t.Add(time.Minute)
	p2 := p.DeepCopy()
	p2.Spec.NodeSelector = map[string]string{"x": "y"}
	q.Add(p2)
	if a, _, _ := q.Lens(); a != 1 {
		t.Fatal("updated unschedulable pod not retried")
	}
}

func TestPopBlocksUntilAddAndCancel(t *testing.T) {
	q := New(nil)
	done := make(chan string)
	go func() {
		it, err := q.Pop(context.Background())
		if err != nil {
			done <- err.Error()
			return
		}
		done <- it.Pod.Name
	}()
	q.Add(tp.Pod("late", "", ""))
	if got := <-done; got != "late" {
		t.Fatalf("got %s", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := q.Pop(ctx); err == nil {
		t.Fatal("Pop on a cancelled context must fail")
	}
}

func TestStatusOnlyUpdateKeepsUnschedulable(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	q := New(clk.now)
	p := tp.Pod("p", "", "")
	q.Add(p)
	q.AddUnschedulable(pop(t, q))
	q.Update(p.DeepCopy(), false)
	if _, _, u := q.Lens(); u != 1 {
		t.Fatal("status-only update retried the pod")
	}
}

func TestMoveIfOnlyMovesWanted(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	q := New(clk.now)
	q.Add(tp.Pod("a", "", ""))
	q.Add(tp.Pod("b", "", ""))
	q.AddUnschedulable(pop(t, q))
	q.AddUnschedulable(pop(t, q))
	clk.t = clk.t.Add(time.Minute)
	q.MoveIf(func(p *corev1.Pod) bool { return p.Name == "b" })
	if a, _, u := q.Lens(); a != 1 || u != 1 {
		t.Fatalf("active %d unschedulable %d, want 1 and 1", a, u)
	}
	if it := pop(t, q); it.Pod.Name != "b" {
		t.Fatalf("popped %s, want b", it.Pod.Name)
	}
}
