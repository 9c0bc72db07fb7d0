package workqueue

import (
	"container/heap"
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// clockSlack is how far the clock may move between reading it and
// arming the timer before the delayer arms it again.
const clockSlack = time.Millisecond

// delayer holds keys until their deadline and then hands them to ready.
// One goroutine (run) owns the timer; add only touches the heap under mu
// and pokes the goroutine.
type delayer[K comparable] struct {
	clock Clock
	ready func(K)

	mu    sync.Mutex
	heap  waitHeap[K]
	index map[K]*waitEntry[K]
	seq   uint64

	wake   chan struct{}
	done   chan struct{}
	exited chan struct{}
}

type waitEntry[K comparable] struct {
	key   K
	at    time.Time
	seq   uint64 // insertion order breaks ties so equal deadlines stay FIFO
	index int
}

func newDelayer[K comparable](c Clock, ready func(K)) *delayer[K] {
	return &delayer[K]{
		clock:  c,
		ready:  ready,
		index:  make(map[K]*waitEntry[K]),
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
}

// add schedules k for at; a key already waiting keeps the earlier deadline.
func (d *delayer[K]) add(k K, at time.Time) {
	d.mu.Lock()
	if e, ok := d.index[k]; ok {
		if at.Before(e.at) {
			e.at = at
			heap.Fix(&d.heap, e.index)
		}
	} else {
		d.seq++
		e := &waitEntry[K]{key: k, at: at, seq: d.seq}
		heap.Push(&d.heap, e)
		d.index[k] = e
	}
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// stop ends run and waits for it to exit. Call it once.
func (d *delayer[K]) stop() {
	close(d.done)
	<-d.exited
}

// run hands due keys to ready and sleeps until the next deadline, an add,
// or stop.
func (d *delayer[K]) run() {
	defer close(d.exited)
	for {
		now := d.clock.Now()
		due, next, waiting := d.popDue(now)
		for _, k := range due {
			d.ready(k)
		}
		var timer clock.Timer
		var fire <-chan time.Time
		if waiting {
			timer = d.clock.NewTimer(next.Sub(now))
			fire = timer.C()
			// The timer counts from when it was made, not from now: if
			// the clock moved meanwhile (a fake clock stepped by a test,
			// or a stalled goroutine) it would fire late, so measure
			// again. Real clocks move a little; that lateness is harmless.
			if moved := d.clock.Now().Sub(now); moved >= clockSlack || moved < 0 {
				timer.Stop()
				continue
			}
		}
		select {
		case <-d.done:
		case <-d.wake:
		case <-fire:
		}
		if timer != nil {
			timer.Stop()
		}
		select {
		case <-d.done:
			return
		default:
		}
	}
}

// popDue removes and returns the keys due at now, in deadline order, and
// the next deadline if any key is still waiting.
func (d *delayer[K]) popDue(now time.Time) (due []K, next time.Time, waiting bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for d.heap.Len() > 0 {
		e := d.heap[0]
		if e.at.After(now) {
			return due, e.at, true
		}
		heap.Pop(&d.heap)
		delete(d.index, e.key)
		due = append(due, e.key)
	}
	return due, time.Time{}, false
}

// waitHeap is a min-heap of entries ordered by deadline, then insertion.
type waitHeap[K comparable] []*waitEntry[K]

func (h waitHeap[K]) Len() int { return len(h) }

func (h waitHeap[K]) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}

func (h waitHeap[K]) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *waitHeap[K]) Push(x any) {
	e := x.(*waitEntry[K])
	e.index = len(*h)
	*h = append(*h, e)
}

func (h *waitHeap[K]) Pop() any {
	old := *h
	n := len(old)
	e := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	return e
}
