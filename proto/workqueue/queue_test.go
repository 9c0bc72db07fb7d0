package workqueue

import (
	"fmt"
	"sync"
	"testing"
	"time"

	testingclock "k8s.io/utils/clock/testing"
)

// waitLimit bounds how long a test waits for something that must happen;
// it only turns a hang into a failure, it asserts nothing about speed.
const waitLimit = 10 * time.Second

func newTestQueue(t *testing.T) (*Queue[string], *testingclock.FakeClock) {
	t.Helper()
	fc := testingclock.NewFakeClock(time.Unix(1000, 0))
	q := New(Config[string]{Clock: fc, Name: "test"})
	t.Cleanup(q.ShutDown)
	return q, fc
}

// mustGet calls Get and fails the test if it does not return in time.
func mustGet(t *testing.T, q *Queue[string]) (string, bool) {
	t.Helper()
	type res struct {
		k  string
		sd bool
	}
	ch := make(chan res, 1)
	go func() {
		k, sd := q.Get()
		ch <- res{k, sd}
	}()
	select {
	case r := <-ch:
		return r.k, r.sd
	case <-time.After(waitLimit):
		t.Fatal("Get did not return")
		return "", false
	}
}

func expectGet(t *testing.T, q *Queue[string], want string) {
	t.Helper()
	k, sd := mustGet(t, q)
	if sd || k != want {
		t.Fatalf("Get() = %q, shutdown=%v; want %q", k, sd, want)
	}
}

// waitFor polls cond until it holds or the wait limit passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestFIFOAndDedup(t *testing.T) {
	q, _ := newTestQueue(t)
	for _, k := range []string{"a", "b", "a", "c", "b"} {
		q.Add(k)
	}
	if got := q.Len(); got != 3 {
		t.Fatalf("Len() = %d, want 3", got)
	}
	for _, want := range []string{"a", "b", "c"} {
		expectGet(t, q, want)
		q.Done(want)
	}
	if got := q.Len(); got != 0 {
		t.Fatalf("Len() = %d after draining, want 0", got)
	}
}

func TestReAddWhileProcessing(t *testing.T) {
	q, _ := newTestQueue(t)
	q.Add("a")
	expectGet(t, q, "a")
	q.Add("a")
	q.Add("a")
	if got := q.Len(); got != 0 {
		t.Fatalf("Len() = %d while a is processing, want 0 (not handed to a second worker)", got)
	}
	q.Add("b")
	expectGet(t, q, "b")
	q.Done("a")
	if got := q.Len(); got != 1 {
		t.Fatalf("Len() = %d after Done(a), want 1 (a re-queued once)", got)
	}
	expectGet(t, q, "a")
	q.Done("a")
	q.Done("b")
	if got := q.Len(); got != 0 {
		t.Fatalf("Len() = %d, want 0", got)
	}
}

func TestDoneWithoutReAddDoesNotRequeue(t *testing.T) {
	q, _ := newTestQueue(t)
	q.Add("a")
	expectGet(t, q, "a")
	q.Done("a")
	q.Done("a") // a second Done is harmless
	q.Done("never-added")
	if got := q.Len(); got != 0 {
		t.Fatalf("Len() = %d, want 0", got)
	}
}

func TestAddAfterWaitsForDeadline(t *testing.T) {
	q, fc := newTestQueue(t)
	q.AddAfter("a", time.Second)
	waitFor(t, "delay timer", fc.HasWaiters)
	fc.Step(999 * time.Millisecond)
	if got := q.Len(); got != 0 {
		t.Fatalf("Len() = %d before the deadline, want 0", got)
	}
	fc.Step(time.Millisecond)
	expectGet(t, q, "a")
}

func TestAddAfterNonPositiveIsImmediate(t *testing.T) {
	q, _ := newTestQueue(t)
	q.AddAfter("a", 0)
	q.AddAfter("b", -time.Second)
	if got := q.Len(); got != 2 {
		t.Fatalf("Len() = %d, want 2", got)
	}
}

func TestAddAfterOrderAndEarlierDeadlineWins(t *testing.T) {
	q, fc := newTestQueue(t)
	q.AddAfter("late", 3*time.Second)
	q.AddAfter("b", 2*time.Second)
	q.AddAfter("a", time.Hour)
	q.AddAfter("a", time.Second) // earlier deadline replaces the hour
	q.AddAfter("b", time.Hour)   // later deadline is ignored
	waitFor(t, "delay timer", fc.HasWaiters)
	fc.Step(2 * time.Second)
	expectGet(t, q, "a")
	expectGet(t, q, "b")
	if got := q.Len(); got != 0 {
		t.Fatalf("Len() = %d, want 0 (late not due)", got)
	}
	waitFor(t, "delay timer", fc.HasWaiters)
	fc.Step(time.Second)
	expectGet(t, q, "late")
	if got := q.Len(); got != 0 {
		t.Fatalf("Len() = %d, want 0 (a queued only once)", got)
	}
}

func TestDelayedAddOfQueuedKeyIsDeduplicated(t *testing.T) {
	q, fc := newTestQueue(t)
	q.Add("a")
	q.AddAfter("a", time.Second)
	waitFor(t, "delay timer", fc.HasWaiters)
	fc.Step(time.Second)
	waitFor(t, "delayer idle", func() bool { return !fc.HasWaiters() })
	if got := q.Len(); got != 1 {
		t.Fatalf("Len() = %d, want 1", got)
	}
}

func TestAddRateLimitedBacksOffPerKey(t *testing.T) {
	fc := testingclock.NewFakeClock(time.Unix(1000, 0))
	q := New(Config[string]{Clock: fc, RateLimiter: NewItemExponential[string](time.Second, time.Minute)})
	defer q.ShutDown()

	q.AddRateLimited("a") // 1s
	expectDelayed(t, q, fc, "a", time.Second)
	q.Done("a")
	q.AddRateLimited("a") // 2s
	expectDelayed(t, q, fc, "a", 2*time.Second)
	q.Done("a")
	if got := q.NumRequeues("a"); got != 2 {
		t.Fatalf("NumRequeues(a) = %d, want 2", got)
	}
	q.Forget("a")
	if got := q.NumRequeues("a"); got != 0 {
		t.Fatalf("NumRequeues(a) after Forget = %d, want 0", got)
	}
	q.AddRateLimited("a") // back to 1s
	expectDelayed(t, q, fc, "a", time.Second)
}

// expectDelayed checks that k arrives exactly d after now on fc.
func expectDelayed(t *testing.T, q *Queue[string], fc *testingclock.FakeClock, k string, d time.Duration) {
	t.Helper()
	waitFor(t, "delay timer", fc.HasWaiters)
	fc.Step(d - time.Millisecond)
	if got := q.Len(); got != 0 {
		t.Fatalf("%s ready %v early", k, time.Millisecond)
	}
	fc.Step(time.Millisecond)
	expectGet(t, q, k)
}

func TestShutDown(t *testing.T) {
	q, _ := newTestQueue(t)
	q.Add("a")
	q.Add("b")
	expectGet(t, q, "a")
	q.ShutDown()
	q.ShutDown() // idempotent
	q.Add("c")
	q.AddAfter("d", time.Second)
	q.AddRateLimited("e")
	if !q.ShuttingDown() {
		t.Fatal("ShuttingDown() = false")
	}
	expectGet(t, q, "b") // queued keys are still handed out
	if k, sd := mustGet(t, q); !sd || k != "" {
		t.Fatalf("Get() after drain = %q, %v; want shutdown", k, sd)
	}
}

func TestShutDownWakesBlockedGets(t *testing.T) {
	q, _ := newTestQueue(t)
	const n = 4
	var wg sync.WaitGroup
	results := make(chan bool, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, sd := q.Get()
			results <- sd
		}()
	}
	q.ShutDown()
	wg.Wait()
	close(results)
	for sd := range results {
		if !sd {
			t.Fatal("blocked Get returned without shutdown")
		}
	}
}

func TestShutDownWithDrainWaitsForDone(t *testing.T) {
	q, _ := newTestQueue(t)
	q.Add("a")
	q.Add("b")
	expectGet(t, q, "a")
	drained := make(chan struct{})
	go func() {
		q.ShutDownWithDrain()
		close(drained)
	}()
	waitFor(t, "shutdown", q.ShuttingDown)
	expectGet(t, q, "b")
	q.Done("a")
	select {
	case <-drained:
		t.Fatal("ShutDownWithDrain returned while b is processing")
	case <-time.After(5 * time.Millisecond):
	}
	q.Done("b")
	select {
	case <-drained:
	case <-time.After(waitLimit):
		t.Fatal("ShutDownWithDrain did not return after every key was Done")
	}
}

// TestConcurrentWorkers checks with -race that no key is processed by two
// workers at once and that every key added is processed after its last Add.
func TestConcurrentWorkers(t *testing.T) {
	q := New(Config[string]{})
	const workers, producers, keys, rounds = 4, 3, 20, 50

	var mu sync.Mutex
	active := map[string]bool{}
	lastAdd := map[string]int{}   // round of the last Add per key
	processed := map[string]int{} // highest round seen when processed
	var failures []string

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k, sd := q.Get()
				if sd {
					return
				}
				mu.Lock()
				if active[k] {
					failures = append(failures, k)
				}
				active[k] = true
				processed[k] = lastAdd[k]
				mu.Unlock()
				mu.Lock()
				active[k] = false
				mu.Unlock()
				q.Done(k)
			}
		}()
	}
	var pwg sync.WaitGroup
	for p := range producers {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			for r := range rounds {
				for i := range keys {
					k := fmt.Sprintf("k%d", i)
					mu.Lock()
					lastAdd[k] = max(lastAdd[k], r*producers+p+1)
					mu.Unlock()
					q.Add(k)
				}
			}
		}()
	}
	pwg.Wait()
	q.ShutDownWithDrain()
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("keys processed concurrently: %v", failures)
	}
	for k, want := range lastAdd {
		if processed[k] != want {
			t.Errorf("%s processed at round %d, last added at %d", k, processed[k], want)
		}
	}
}
