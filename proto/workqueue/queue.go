package workqueue

import (
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// Clock is the time source of a Queue. clock.RealClock{} and
// k8s.io/utils/clock/testing's *FakeClock satisfy it.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) clock.Timer
}

// Config configures a Queue. The zero value is usable.
type Config[K comparable] struct {
	// RateLimiter decides how long AddRateLimited waits; nil means
	// DefaultRateLimiter.
	RateLimiter RateLimiter[K]
	// Name identifies the queue in logs; optional.
	Name string
	// Clock is the time source; nil means the real clock.
	Clock Clock
}

// Queue is a de-duplicating, rate-limited FIFO of keys. It is safe for
// concurrent use; see the package documentation for its guarantees.
type Queue[K comparable] struct {
	name    string
	clock   Clock
	limiter RateLimiter[K]

	mu         sync.Mutex
	cond       *sync.Cond
	fifo       []K
	dirty      map[K]struct{}
	processing map[K]struct{}
	shutdown   bool
	draining   bool

	delay *delayer[K]
}

// New returns a running Queue. Call ShutDown (or ShutDownWithDrain) to
// stop its delay goroutine.
func New[K comparable](cfg Config[K]) *Queue[K] {
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.RateLimiter == nil {
		cfg.RateLimiter = DefaultRateLimiter[K](cfg.Clock)
	}
	q := &Queue[K]{
		name:       cfg.Name,
		clock:      cfg.Clock,
		limiter:    cfg.RateLimiter,
		dirty:      make(map[K]struct{}),
		processing: make(map[K]struct{}),
	}
	q.cond = sync.NewCond(&q.mu)
	q.delay = newDelayer(cfg.Clock, q.Add)
	go q.delay.run()
	return q
}

// Name returns the name given in Config.
func (q *Queue[K]) Name() string { return q.name }

// Add marks k as needing processing. It is a no-op if k is already queued
// or the queue is shutting down; if k is being processed it is queued
// again when Done(k) is called.
func (q *Queue[K]) Add(k K) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.shutdown {
		return
	}
	if _, ok := q.dirty[k]; ok {
		return
	}
	q.dirty[k] = struct{}{}
	if _, ok := q.processing[k]; ok {
		return
	}
	q.fifo = append(q.fifo, k)
	q.cond.Signal()
}

// AddAfter adds k once d has passed (immediately if d <= 0). If k is
// already waiting, the earlier of the two deadlines wins.
func (q *Queue[K]) AddAfter(k K, d time.Duration) {
	if q.ShuttingDown() {
		return
	}
	if d <= 0 {
		q.Add(k)
		return
	}
	q.delay.add(k, q.clock.Now().Add(d))
}

// AddRateLimited adds k after the delay the rate limiter assigns to it;
// every call counts as one more requeue of k until Forget(k).
func (q *Queue[K]) AddRateLimited(k K) {
	q.AddAfter(k, q.limiter.When(k))
}

// Forget resets k's rate-limiting history. Call it when k was processed
// successfully; it does not remove k from the queue.
func (q *Queue[K]) Forget(k K) { q.limiter.Forget(k) }

// NumRequeues reports how many times k was rate-limited since its last
// Forget.
func (q *Queue[K]) NumRequeues(k K) int { return q.limiter.NumRequeues(k) }

// Get blocks until a key is available and hands it out; the caller must
// call Done(k) when finished with it. shutdown is true (and k the zero
// value) once the queue is shut down and empty.
func (q *Queue[K]) Get() (k K, shutdown bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.fifo) == 0 && !q.shutdown {
		q.cond.Wait()
	}
	if len(q.fifo) == 0 {
		return k, true
	}
	k = q.fifo[0]
	var zero K
	q.fifo[0] = zero
	q.fifo = q.fifo[1:]
	q.processing[k] = struct{}{}
	delete(q.dirty, k)
	return k, false
}

// Done marks k as processed. If k was added while it was being
// processed it is queued again.
func (q *Queue[K]) Done(k K) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.processing[k]; !ok {
		return
	}
	delete(q.processing, k)
	_, requeue := q.dirty[k]
	if requeue {
		q.fifo = append(q.fifo, k)
	}
	// Once shut down, ShutDownWithDrain shares the condition with blocked
	// Get calls, so a Signal could wake the wrong waiter.
	switch {
	case q.shutdown:
		q.cond.Broadcast()
	case requeue:
		q.cond.Signal()
	}
}

// Len returns the number of keys waiting to be handed out (not counting
// keys being processed or delayed).
func (q *Queue[K]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.fifo)
}

// ShutDown stops accepting new keys and wakes all blocked Get calls. Keys
// already queued are still handed out; Get then reports shutdown.
// Delayed keys not yet due are dropped.
func (q *Queue[K]) ShutDown() {
	q.mu.Lock()
	first := !q.shutdown
	q.shutdown = true
	q.cond.Broadcast()
	q.mu.Unlock()
	if first {
		q.delay.stop()
	}
}

// ShutDownWithDrain shuts the queue down like ShutDown and then blocks
// until every key handed out by Get has been marked Done.
func (q *Queue[K]) ShutDownWithDrain() {
	q.mu.Lock()
	q.draining = true
	q.mu.Unlock()
	q.ShutDown()

	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.processing) != 0 && q.draining {
		q.cond.Wait()
	}
}

// ShuttingDown reports whether ShutDown has been called.
func (q *Queue[K]) ShuttingDown() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.shutdown
}
