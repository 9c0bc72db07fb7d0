package expectations

import (
	"testing"
	"time"
)

func TestExpectations(t *testing.T) {
	now := time.Unix(0, 0)
	e := New(func() time.Time { return now })
	if !e.Satisfied("k") {
		t.Fatal("unknown key must be satisfied")
	}
	e.Expect("k", 2, []string{"ns/a"})
	e.Created("k", 1)
	if e.Satisfied("k") {
		t.Fatal("satisfied with creates in flight")
	}
	e.Created("k", 1)
	if e.Satisfied("k") {
		t.Fatal("satisfied with a delete in flight")
	}
	e.Deleted("k", "ns/a")
	if !e.Satisfied("k") {
		t.Fatal("not satisfied after all observed")
	}
	e.Expect("k", 5, nil)
	now = now.Add(TTL + time.Second)
	if !e.Satisfied("k") {
		t.Fatal("expired expectations must not block forever")
	}
}

// A pod seen terminating and then deleted must count once, or a second
// pod's deletion would be taken as seen while it is still cached.
func TestDeletedCountsEachPodOnce(t *testing.T) {
	e := New(time.Now)
	e.Expect("k", 0, []string{"ns/a", "ns/b"})
	e.Deleted("k", "ns/a")
	e.Deleted("k", "ns/a")
	e.Deleted("k", "ns/unrelated")
	if e.Satisfied("k") {
		t.Fatal("satisfied while ns/b's deletion has not been seen")
	}
	e.Deleted("k", "ns/b")
	if !e.Satisfied("k") {
		t.Fatal("not satisfied after both deletions were seen")
	}
}

func TestForget(t *testing.T) {
	e := New(time.Now)
	e.Expect("k", 3, nil)
	e.Forget("k")
	if !e.Satisfied("k") {
		t.Fatal("forgotten key must be satisfied")
	}
	e.Created("k", 1) // no record: must not panic or create one
	if !e.Satisfied("k") {
		t.Fatal("Created on a forgotten key created expectations")
	}
}
