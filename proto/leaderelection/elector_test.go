package leaderelection

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	testingclock "k8s.io/utils/clock/testing"
)

// waitLimit only turns a hang into a failure; nothing asserts speed.
const waitLimit = 10 * time.Second

// cluster runs candidates against one leaseStore on one fake clock.
type cluster struct {
	t       *testing.T
	fc      *testingclock.FakeClock
	store   *leaseStore
	running atomic.Int32

	mu         sync.Mutex
	leading    map[string]bool
	maxLeading int
	starts     []start
}

type start struct {
	id string
	at time.Time
}

type candidate struct {
	id         string
	cl         *fakeClient
	cancel     context.CancelFunc
	done       chan struct{}
	err        error
	stopped    atomic.Int32
	newLeaders chan string
}

// wait waits for the candidate's Run to return.
func (cand *candidate) wait(t *testing.T) {
	t.Helper()
	select {
	case <-cand.done:
	case <-time.After(waitLimit):
		t.Fatalf("%s: Run did not return", cand.id)
	}
}

// nextLeader returns the next OnNewLeader report.
func (cand *candidate) nextLeader(t *testing.T) string {
	t.Helper()
	select {
	case l := <-cand.newLeaders:
		return l
	case <-time.After(waitLimit):
		t.Fatalf("%s: no OnNewLeader call", cand.id)
		return ""
	}
}

func newCluster(t *testing.T) *cluster {
	return &cluster{
		t:       t,
		fc:      testingclock.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		store:   newLeaseStore(),
		leading: map[string]bool{},
	}
}

// add starts a candidate and waits until it is idle.
func (c *cluster) add(id string, edit func(*Config)) *candidate {
	cand := &candidate{id: id, cl: c.store.client(), done: make(chan struct{}), newLeaders: make(chan string, 100)}
	cfg := Config{
		Lock: cand.cl, Name: "lock", Namespace: "kube-system", Identity: id, Clock: c.fc,
		Logger: slog.New(slog.DiscardHandler),
		Callbacks: Callbacks{
			OnStartedLeading: func(ctx context.Context) { c.lead(ctx, id) },
			OnStoppedLeading: func() { cand.stopped.Add(1) },
			OnNewLeader:      func(l string) { cand.newLeaders <- l },
		},
	}
	if edit != nil {
		edit(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cand.cancel = cancel
	c.running.Add(1)
	go func() {
		defer close(cand.done)
		defer c.running.Add(-1)
		cand.err = Run(ctx, cfg)
	}()
	c.t.Cleanup(func() { cancel(); cand.wait(c.t) })
	c.waitIdle()
	return cand
}

// lead is every candidate's OnStartedLeading.
func (c *cluster) lead(ctx context.Context, id string) {
	c.mu.Lock()
	c.leading[id] = true
	n := 0
	for _, l := range c.leading {
		if l {
			n++
		}
	}
	c.maxLeading = max(c.maxLeading, n)
	c.starts = append(c.starts, start{id, c.fc.Now()})
	c.mu.Unlock()
	<-ctx.Done()
	c.mu.Lock()
	c.leading[id] = false
	c.mu.Unlock()
}

func (c *cluster) leaders() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for id, l := range c.leading {
		if l {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// waitIdle waits until every running candidate sleeps on its timer.
func (c *cluster) waitIdle() {
	c.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for c.fc.Waiters() != int(c.running.Load()) {
		if time.Now().After(deadline) {
			c.t.Fatalf("candidates not idle: %d timers, %d running", c.fc.Waiters(), c.running.Load())
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// step advances the clock by d once every candidate is idle, and waits
// until they are idle again.
func (c *cluster) step(d time.Duration) {
	c.t.Helper()
	c.waitIdle()
	c.fc.Step(d)
	c.waitIdle()
}

// stepUntil steps 1s at a time, at most limit, until cond holds.
func (c *cluster) stepUntil(limit time.Duration, what string, cond func() bool) {
	c.t.Helper()
	for elapsed := time.Duration(0); !cond(); elapsed += time.Second {
		if elapsed > limit {
			c.t.Fatalf("%s: not within %v of fake time", what, limit)
		}
		c.step(time.Second)
	}
}

func (c *cluster) holder() record {
	l := c.store.get("lock")
	if l == nil {
		return record{}
	}
	return recordOf(l)
}

func TestSingleLeaderAmongThree(t *testing.T) {
	c := newCluster(t)
	cands := []*candidate{c.add("a", nil), c.add("b", nil), c.add("c", nil)}
	c.stepUntil(time.Minute, "a leader", func() bool { return len(c.leaders()) == 1 })
	leader := c.leaders()[0]
	for range 60 { // two fake minutes of renewals
		c.step(2 * time.Second)
	}
	if got := c.leaders(); !slices.Equal(got, []string{leader}) {
		t.Fatalf("leaders = %v, want only %s", got, leader)
	}
	if c.maxLeading != 1 || len(c.starts) != 1 {
		t.Fatalf("max concurrent leaders %d, %d elections; want 1 and 1", c.maxLeading, len(c.starts))
	}
	r := c.holder()
	if r.holder != leader || r.transitions != 0 || r.leaseDuration != DefaultLeaseDuration {
		t.Fatalf("lease record = %+v", r)
	}
	if !r.renewTime.After(r.acquireTime) {
		t.Fatalf("renewTime %v not after acquireTime %v: leader is not renewing", r.renewTime, r.acquireTime)
	}
	if l := c.store.get("lock"); l.Namespace != "kube-system" {
		t.Fatalf("created lease namespace = %q", l.Namespace)
	}
	for _, cand := range cands {
		select {
		case got := <-cand.newLeaders:
			if got != leader {
				t.Errorf("%s: OnNewLeader(%s), want %s", cand.id, got, leader)
			}
		default:
			t.Errorf("%s: OnNewLeader not called", cand.id)
		}
		if len(cand.newLeaders) != 0 {
			t.Errorf("%s: OnNewLeader called again for the same leader", cand.id)
		}
	}
}

func TestFailoverAfterLeaderStopsRenewing(t *testing.T) {
	c := newCluster(t)
	cands := map[string]*candidate{"a": c.add("a", nil), "b": c.add("b", nil), "c": c.add("c", nil)}
	c.stepUntil(time.Minute, "a leader", func() bool { return len(c.leaders()) == 1 })
	c.step(2 * time.Second)
	old := cands[c.leaders()[0]]
	lastRenew := c.holder().renewTime
	old.cl.setBroken(true) // partitioned: it can no longer renew

	c.stepUntil(time.Minute, "old leader steps down", func() bool { return old.stopped.Load() == 1 })
	old.wait(t)
	if !errors.Is(old.err, ErrLostLeadership) {
		t.Fatalf("old leader Run = %v, want ErrLostLeadership", old.err)
	}
	if lost := c.fc.Now().Sub(lastRenew); lost < DefaultRenewDeadline || lost > DefaultRenewDeadline+DefaultRetryPeriod {
		t.Fatalf("leader gave up %v after its last renewal, want about RenewDeadline", lost)
	}
	c.stepUntil(time.Minute, "new leader", func() bool { return len(c.leaders()) == 1 })
	if c.maxLeading != 1 {
		t.Fatalf("%d leaders at once", c.maxLeading)
	}
	next := c.leaders()[0]
	if next == old.id {
		t.Fatal("the partitioned leader was re-elected")
	}
	r := c.holder()
	if r.holder != next || r.transitions != 1 {
		t.Fatalf("lease record after failover = %+v", r)
	}
	if wait := r.acquireTime.Sub(lastRenew); wait < DefaultLeaseDuration {
		t.Fatalf("%s took over %v after the last renewal, before the lease expired", next, wait)
	}
}

func TestReleaseOnCancel(t *testing.T) {
	c := newCluster(t)
	release := func(cfg *Config) { cfg.ReleaseOnCancel = true }
	a := c.add("a", release)
	c.stepUntil(time.Minute, "a leads", func() bool { return slices.Equal(c.leaders(), []string{"a"}) })
	b := c.add("b", release)
	c.step(5 * time.Second) // b has now seen a's lease

	a.cancel()
	a.wait(t)
	releasedAt := c.fc.Now()
	if a.err != nil || a.stopped.Load() != 1 {
		t.Fatalf("cancelled leader: Run = %v, OnStoppedLeading ×%d; want nil, ×1", a.err, a.stopped.Load())
	}
	if r := c.holder(); r.holder != "" || r.transitions != 0 {
		t.Fatalf("lease after release = %+v, want no holder", r)
	}
	c.stepUntil(time.Minute, "b leads", func() bool { return slices.Equal(c.leaders(), []string{"b"}) })
	r := c.holder()
	if r.holder != "b" || r.transitions != 1 {
		t.Fatalf("lease = %+v, want b after one transition", r)
	}
	if wait := r.acquireTime.Sub(releasedAt); wait >= DefaultLeaseDuration {
		t.Fatalf("b waited %v after the release, as long as an expiry", wait)
	}
	if b.stopped.Load() != 0 {
		t.Fatal("b stopped leading")
	}
}

func TestNoReleaseWithoutReleaseOnCancel(t *testing.T) {
	c := newCluster(t)
	a := c.add("a", nil)
	c.stepUntil(time.Minute, "a leads", func() bool { return len(c.leaders()) == 1 })
	a.cancel()
	a.wait(t)
	if r := c.holder(); r.holder != "a" {
		t.Fatalf("holder = %q after cancel, want a (not released)", r.holder)
	}
}

// TestExpiryIsJudgedOnOwnClock: a lease whose renewTime is ages old by
// our clock is still respected for a full duration after we first see it.
func TestExpiryIsJudgedOnOwnClock(t *testing.T) {
	c := newCluster(t)
	ancient := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	l := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "lock"}}
	record{holder: "ghost", leaseDuration: 20 * time.Second, acquireTime: ancient, renewTime: ancient, transitions: 4}.apply(l)
	c.store.put(l)
	t0 := c.fc.Now()
	a := c.add("a", nil)
	if got := a.nextLeader(t); got != "ghost" {
		t.Fatalf("OnNewLeader(%s), want ghost", got)
	}
	c.stepUntil(time.Minute, "a takes over", func() bool { return len(c.leaders()) == 1 })
	r := c.holder()
	if r.holder != "a" || r.transitions != 5 {
		t.Fatalf("lease = %+v, want a after transition 5", r)
	}
	if wait := r.acquireTime.Sub(t0); wait < 20*time.Second {
		t.Fatalf("took over after %v, before the holder's 20s lease ran out", wait)
	}
	if got := a.nextLeader(t); got != "a" {
		t.Fatalf("OnNewLeader(%s), want a", got)
	}
}

// TestConflictIsRetried: an update that loses the resourceVersion race
// does not make us leader; the next attempt sees the winner.
func TestConflictIsRetried(t *testing.T) {
	c := newCluster(t)
	l := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "lock"}}
	record{leaseDuration: time.Second}.apply(l) // released: free to take
	c.store.put(l)
	c.store.beforeUpdate = func() {
		w := c.store.get("lock")
		record{holder: "winner", leaseDuration: 15 * time.Second, acquireTime: c.fc.Now(), renewTime: c.fc.Now()}.apply(w)
		c.store.put(w)
	}
	a := c.add("a", nil)
	if len(c.leaders()) != 0 || c.holder().holder != "winner" {
		t.Fatalf("after losing the race: leaders %v, holder %q", c.leaders(), c.holder().holder)
	}
	c.step(5 * time.Second)
	if got := a.nextLeader(t); got != "winner" {
		t.Fatalf("OnNewLeader(%s), want winner", got)
	}
	if len(c.leaders()) != 0 {
		t.Fatal("a leads while winner's lease is live")
	}
}

func TestLeaderStepsDownWhenLeaseTakenOver(t *testing.T) {
	c := newCluster(t)
	a := c.add("a", nil)
	c.stepUntil(time.Minute, "a leads", func() bool { return len(c.leaders()) == 1 })
	w := c.store.get("lock")
	record{holder: "usurper", leaseDuration: 15 * time.Second, acquireTime: c.fc.Now(), renewTime: c.fc.Now(), transitions: 1}.apply(w)
	c.store.put(w)
	c.step(2 * time.Second)
	a.wait(t)
	if !errors.Is(a.err, ErrLostLeadership) || a.stopped.Load() != 1 || len(c.leaders()) != 0 {
		t.Fatalf("Run = %v, stopped ×%d, leaders %v; want an immediate step-down", a.err, a.stopped.Load(), c.leaders())
	}
}

func TestConfigValidation(t *testing.T) {
	ok := Config{Lock: newLeaseStore().client(), Name: "n", Identity: "i",
		Callbacks: Callbacks{OnStartedLeading: func(context.Context) {}}}
	for name, edit := range map[string]func(*Config){
		"no lock":             func(c *Config) { c.Lock = nil },
		"no name":             func(c *Config) { c.Name = "" },
		"no identity":         func(c *Config) { c.Identity = "" },
		"no callback":         func(c *Config) { c.Callbacks.OnStartedLeading = nil },
		"lease <= deadline":   func(c *Config) { c.LeaseDuration = 10 * time.Second },
		"deadline <= retry":   func(c *Config) { c.RenewDeadline = 2 * time.Second; c.RetryPeriod = 2 * time.Second },
		"negative retry":      func(c *Config) { c.RetryPeriod = -time.Second },
		"negative everything": func(c *Config) { c.LeaseDuration, c.RenewDeadline = -1, -2 },
	} {
		cfg := ok
		edit(&cfg)
		if err := Run(context.Background(), cfg); err == nil || errors.Is(err, ErrLostLeadership) {
			t.Errorf("%s: Run = %v, want a configuration error", name, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Run(ctx, ok); err != nil {
		t.Fatalf("valid config with cancelled ctx: Run = %v", err)
	}
}
