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
	e.Expect("k", 2, 1)
	e.Observed("k", 1, 0)
	if e.Satisfied("k") {
		t.Fatal("satisfied with creates in flight")
	}
	e.Observed("k", 1, 1)
	if !e.Satisfied("k") {
		t.Fatal("not satisfied after all observed")
	}
	e.Expect("k", 5, 0)
	now = now.Add(TTL + time.Second)
	if !e.Satisfied("k") {
		t.Fatal("expired expectations must not block forever")
	}
}
