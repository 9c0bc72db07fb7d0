package informer

import (
	"math/rand/v2"
	"time"
)

// Re-watch and re-list backoff, as client-go's reflector: 800ms doubling
// to 30s with up to 100% jitter, back to 800ms after two quiet minutes.
const (
	backoffBase  = 800 * time.Millisecond
	backoffMax   = 30 * time.Second
	backoffReset = 2 * time.Minute
)

// backoff is owned by the Run goroutine.
type backoff struct {
	clock Clock
	cur   time.Duration
	last  time.Time
}

func newBackoff(c Clock) *backoff { return &backoff{clock: c} }

// next returns how long to wait before the next attempt.
func (b *backoff) next() time.Duration {
	now := b.clock.Now()
	if b.cur == 0 || now.Sub(b.last) > backoffReset {
		b.cur = backoffBase
	}
	d := min(b.cur+rand.N(b.cur), backoffMax)
	b.cur = min(2*b.cur, backoffMax)
	b.last = now
	return d
}
