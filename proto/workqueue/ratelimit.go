package workqueue

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
	"k8s.io/utils/clock"
)

// RateLimiter decides how long a key waits before it is retried.
// Implementations must be safe for concurrent use.
type RateLimiter[K comparable] interface {
	// When returns how long k should wait now and records one more
	// failure of k.
	When(k K) time.Duration
	// Forget clears k's history.
	Forget(k K)
	// NumRequeues reports the failures recorded for k since Forget.
	NumRequeues(k K) int
}

// Default rate-limiter parameters, as client-go's.
const (
	DefaultBaseDelay = 5 * time.Millisecond
	DefaultMaxDelay  = 1000 * time.Second
	DefaultQPS       = 10
	DefaultBurst     = 100
)

// DefaultRateLimiter is the maximum of a per-key exponential backoff
// (5ms doubling to 1000s) and an overall token bucket (10 qps, burst 100)
// timed by c.
func DefaultRateLimiter[K comparable](c Clock) RateLimiter[K] {
	return NewMaxOf(
		NewItemExponential[K](DefaultBaseDelay, DefaultMaxDelay),
		NewBucket[K](c, DefaultQPS, DefaultBurst),
	)
}

// ItemExponential waits base*2^n for a key that failed n times before,
// capped at maxDelay.
type ItemExponential[K comparable] struct {
	base, maxDelay time.Duration

	mu       sync.Mutex
	failures map[K]int
}

// NewItemExponential returns a per-key exponential backoff.
func NewItemExponential[K comparable](base, maxDelay time.Duration) *ItemExponential[K] {
	return &ItemExponential[K]{base: base, maxDelay: maxDelay, failures: make(map[K]int)}
}

// When implements RateLimiter.
func (r *ItemExponential[K]) When(k K) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.failures[k]
	r.failures[k] = n + 1
	d := float64(r.base) * math.Pow(2, float64(n))
	if d > float64(r.maxDelay) {
		return r.maxDelay
	}
	return time.Duration(d)
}

// Forget implements RateLimiter.
func (r *ItemExponential[K]) Forget(k K) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.failures, k)
}

// NumRequeues implements RateLimiter.
func (r *ItemExponential[K]) NumRequeues(k K) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failures[k]
}

// Bucket is an overall token bucket shared by all keys; it keeps no
// per-key history.
type Bucket[K comparable] struct {
	clock   Clock
	limiter *rate.Limiter
}

// NewBucket returns a token bucket refilled at qps up to burst tokens,
// timed by c (nil means the real clock).
func NewBucket[K comparable](c Clock, qps float64, burst int) *Bucket[K] {
	if c == nil {
		c = clock.RealClock{}
	}
	return &Bucket[K]{clock: c, limiter: rate.NewLimiter(rate.Limit(qps), burst)}
}

// When implements RateLimiter.
func (r *Bucket[K]) When(K) time.Duration {
	now := r.clock.Now()
	return r.limiter.ReserveN(now, 1).DelayFrom(now)
}

// Forget implements RateLimiter; it is a no-op.
func (r *Bucket[K]) Forget(K) {}

// NumRequeues implements RateLimiter; it is always 0.
func (r *Bucket[K]) NumRequeues(K) int { return 0 }

// MaxOf combines limiters: a key waits as long as the slowest of them
// says, and its requeue count is the highest of theirs.
type MaxOf[K comparable] struct {
	limiters []RateLimiter[K]
}

// NewMaxOf returns a limiter that consults every one of limiters.
func NewMaxOf[K comparable](limiters ...RateLimiter[K]) *MaxOf[K] {
	return &MaxOf[K]{limiters: limiters}
}

// When implements RateLimiter; every limiter records the failure.
func (r *MaxOf[K]) When(k K) time.Duration {
	var d time.Duration
	for _, l := range r.limiters {
		d = max(d, l.When(k))
	}
	return d
}

// Forget implements RateLimiter.
func (r *MaxOf[K]) Forget(k K) {
	for _, l := range r.limiters {
		l.Forget(k)
	}
}

// NumRequeues implements RateLimiter.
func (r *MaxOf[K]) NumRequeues(k K) int {
	n := 0
	for _, l := range r.limiters {
		n = max(n, l.NumRequeues(k))
	}
	return n
}
