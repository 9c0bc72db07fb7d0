package workqueue

import (
	"testing"
	"time"

	testingclock "k8s.io/utils/clock/testing"
)

func TestItemExponential(t *testing.T) {
	r := NewItemExponential[string](5*time.Millisecond, time.Second)
	want := []time.Duration{5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000}
	for i, w := range want {
		if got := r.When("a"); got != w*time.Millisecond {
			t.Fatalf("When #%d = %v, want %v", i, got, w*time.Millisecond)
		}
	}
	if got := r.When("b"); got != 5*time.Millisecond {
		t.Fatalf("When(b) = %v, keys must back off independently", got)
	}
	if got := r.NumRequeues("a"); got != len(want) {
		t.Fatalf("NumRequeues(a) = %d, want %d", got, len(want))
	}
	r.Forget("a")
	if got := r.NumRequeues("a"); got != 0 {
		t.Fatalf("NumRequeues after Forget = %d", got)
	}
	if got := r.When("a"); got != 5*time.Millisecond {
		t.Fatalf("When after Forget = %v", got)
	}
}

func TestItemExponentialDoesNotOverflow(t *testing.T) {
	r := NewItemExponential[int](DefaultBaseDelay, DefaultMaxDelay)
	for i := range 200 {
		if d := r.When(1); d <= 0 || d > DefaultMaxDelay {
			t.Fatalf("When #%d = %v, want in (0, %v]", i, d, DefaultMaxDelay)
		}
	}
}

func TestBucket(t *testing.T) {
	fc := testingclock.NewFakeClock(time.Unix(1000, 0))
	r := NewBucket[string](fc, 10, 3)
	for i := range 3 {
		if d := r.When("x"); d != 0 {
			t.Fatalf("burst When #%d = %v, want 0", i, d)
		}
	}
	if d := r.When("x"); d != 100*time.Millisecond {
		t.Fatalf("When after burst = %v, want 100ms", d)
	}
	if d := r.When("y"); d != 200*time.Millisecond {
		t.Fatalf("second When after burst = %v, want 200ms (bucket is shared)", d)
	}
	fc.Step(time.Second)
	if d := r.When("x"); d != 0 {
		t.Fatalf("When after refill = %v, want 0", d)
	}
	if r.NumRequeues("x") != 0 {
		t.Fatal("bucket keeps no per-key history")
	}
}

func TestDefaultRateLimiterIsMaxOfBoth(t *testing.T) {
	fc := testingclock.NewFakeClock(time.Unix(1000, 0))
	r := DefaultRateLimiter[int](fc)
	if d := r.When(0); d != DefaultBaseDelay {
		t.Fatalf("first When = %v, want %v", d, DefaultBaseDelay)
	}
	// Exhaust the bucket with distinct keys; the per-key delay stays 5ms.
	for i := 1; i < DefaultBurst; i++ {
		r.When(i)
	}
	if d := r.When(-1); d != 100*time.Millisecond {
		t.Fatalf("When with empty bucket = %v, want 100ms from the bucket", d)
	}
	for range 20 {
		r.When(0)
	}
	if d := r.When(0); d != DefaultMaxDelay {
		t.Fatalf("When after many failures = %v, want the per-key cap %v", d, DefaultMaxDelay)
	}
	if n := r.NumRequeues(0); n != 22 {
		t.Fatalf("NumRequeues = %d, want 22", n)
	}
	r.Forget(0)
	if n := r.NumRequeues(0); n != 0 {
		t.Fatalf("NumRequeues after Forget = %d", n)
	}
}
