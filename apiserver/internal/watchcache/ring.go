package watchcache

import "time"

// freshFor is how young the oldest record may be for the ring to grow
// rather than drop it (upstream's eventFreshDuration).
const freshFor = 75 * time.Second

// ring keeps the most recent records in revision order. It is owned by
// the cache and guarded by the cache's mutex.
type ring struct {
	buf   []*record
	times []time.Time // when each record arrived, for growing
	head  int         // index of the oldest record
	n     int
	max   int // the buffer grows up to max while its oldest record is fresh
}

func newRing(size, max int) *ring {
	return &ring{buf: make([]*record, size), times: make([]time.Time, size), max: max}
}

// push appends r and returns the record it evicted, if any.
func (q *ring) push(r *record, now time.Time) (evicted *record) {
	if q.n == len(q.buf) {
		if len(q.buf) < q.max && now.Sub(q.times[q.head]) < freshFor {
			q.grow(min(2*len(q.buf), q.max))
		} else {
			evicted = q.buf[q.head]
			q.buf[q.head] = nil
			q.head = (q.head + 1) % len(q.buf)
			q.n--
		}
	}
	i := (q.head + q.n) % len(q.buf)
	q.buf[i], q.times[i] = r, now
	q.n++
	return evicted
}

func (q *ring) grow(size int) {
	buf := make([]*record, size)
	times := make([]time.Time, size)
	for i := range q.n {
		j := (q.head + i) % len(q.buf)
		buf[i], times[i] = q.buf[j], q.times[j]
	}
	q.buf, q.times, q.head = buf, times, 0
}

// after returns the records with revision > rev, oldest first.
func (q *ring) after(rev int64) []*record {
	// Binary search for the first record with revision > rev.
	lo, hi := 0, q.n
	for lo < hi {
		m := (lo + hi) / 2
		if q.at(m).rev <= rev {
			lo = m + 1
		} else {
			hi = m
		}
	}
	out := make([]*record, 0, q.n-lo)
	for i := lo; i < q.n; i++ {
		out = append(out, q.at(i))
	}
	return out
}

func (q *ring) at(i int) *record { return q.buf[(q.head+i)%len(q.buf)] }

// reset drops every record.
func (q *ring) reset() {
	clear(q.buf)
	q.head, q.n = 0, 0
}
