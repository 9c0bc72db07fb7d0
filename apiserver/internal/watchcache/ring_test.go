package watchcache

import (
	"fmt"
	"testing"
	"time"
)

func revs(rs []*record) string {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.rev
	}
	return fmt.Sprint(out)
}

func TestRingEvictsWhenFixed(t *testing.T) {
	q := newRing(3, 3)
	now := time.Now()
	var evicted []int64
	for rev := int64(1); rev <= 5; rev++ {
		if old := q.push(&record{rev: rev}, now); old != nil {
			evicted = append(evicted, old.rev)
		}
	}
	if fmt.Sprint(evicted) != "[1 2]" {
		t.Fatalf("evicted %v, want [1 2]", evicted)
	}
	for _, c := range []struct {
		after int64
		want  string
	}{{0, "[3 4 5]"}, {3, "[4 5]"}, {4, "[5]"}, {5, "[]"}, {9, "[]"}} {
		if got := revs(q.after(c.after)); got != c.want {
			t.Errorf("after(%d) = %s, want %s", c.after, got, c.want)
		}
	}
}

func TestRingGrowsWhileFresh(t *testing.T) {
	q := newRing(2, 5)
	now := time.Now()
	for rev := int64(1); rev <= 5; rev++ {
		if old := q.push(&record{rev: rev}, now); old != nil {
			t.Fatalf("push %d evicted %d while fresh and below max", rev, old.rev)
		}
	}
	if old := q.push(&record{rev: 6}, now); old == nil || old.rev != 1 {
		t.Fatalf("push beyond max evicted %v, want 1", old)
	}
	// Old records are dropped instead of growing.
	q2 := newRing(2, 10)
	q2.push(&record{rev: 1}, now.Add(-2*freshFor))
	q2.push(&record{rev: 2}, now.Add(-2*freshFor))
	if old := q2.push(&record{rev: 3}, now); old == nil || old.rev != 1 {
		t.Fatalf("push with stale oldest evicted %v, want 1", old)
	}
	if got := revs(q2.after(0)); got != "[2 3]" {
		t.Fatalf("after(0) = %s", got)
	}
	q2.reset()
	if got := revs(q2.after(0)); got != "[]" {
		t.Fatalf("after reset: %s", got)
	}
}
