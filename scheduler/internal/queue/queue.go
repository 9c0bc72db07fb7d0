package queue

import (
	"container/heap"
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Defaults as upstream.
const (
	InitialBackoff   = time.Second
	MaxBackoff       = 10 * time.Second
	MaxUnschedulable = 5 * time.Minute
)

// Where a queued pod currently is.
type place int

const (
	inActive place = iota + 1
	inBackoff
	inUnschedulable
	inFlight
)

// Item is a pod in the queue.
type Item struct {
	Pod *corev1.Pod
	// Attempts counts scheduling attempts so far.
	Attempts int
	// Added is when the pod first entered the queue (for e2e latency).
	Added time.Time
	// timestamp orders pods of equal priority; reset on every re-queue.
	timestamp time.Time
	// cycle is the move-request cycle at the time the pod was popped.
	cycle        int64
	backoffUntil time.Time
	unschedSince time.Time
	where        place
	index        int
}

// Queue is the scheduling queue. Use New.
type Queue struct {
	now func() time.Time

	mu            sync.Mutex
	wake          chan struct{} // closed and replaced when activeQ grows
	items         map[types.UID]*Item
	active        itemHeap
	backoff       itemHeap
	unschedulable map[types.UID]*Item
	moveCycle     int64
	closed        bool
}

// New returns an empty queue; now may be nil for time.Now.
func New(now func() time.Time) *Queue {
	if now == nil {
		now = time.Now
	}
	return &Queue{
		now:           now,
		wake:          make(chan struct{}),
		items:         make(map[types.UID]*Item),
		active:        itemHeap{less: activeLess},
		backoff:       itemHeap{less: backoffLess},
		unschedulable: make(map[types.UID]*Item),
	}
}

func priority(p *corev1.Pod) int32 {
	if p.Spec.Priority != nil {
		return *p.Spec.Priority
	}
	return 0
}

func activeLess(a, b *Item) bool {
	pa, pb := priority(a.Pod), priority(b.Pod)
	if pa != pb {
		return pa > pb
	}
	return a.timestamp.Before(b.timestamp)
}

func backoffLess(a, b *Item) bool { return a.backoffUntil.Before(b.backoffUntil) }

// Backoff returns the backoff after the given number of failed attempts.
func Backoff(attempts int) time.Duration {
	d := InitialBackoff
	for i := 1; i < attempts && d < MaxBackoff; i++ {
		d *= 2
	}
	return min(d, MaxBackoff)
}

// Add queues a new pending pod, or updates one already queued as if its
// spec changed.
func (q *Queue) Add(pod *corev1.Pod) { q.Update(pod, true) }

// Update queues pod or replaces the queued object. When changed is false
// (say, only the status moved) an unschedulable pod stays where it is.
func (q *Queue) Update(pod *corev1.Pod, changed bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if it, ok := q.items[pod.UID]; ok {
		if !changed {
			it.Pod = pod
			return
		}
		q.updateLocked(it, pod)
		return
	}
	now := q.now()
	it := &Item{Pod: pod, Added: now, timestamp: now}
	q.items[pod.UID] = it
	q.pushActive(it)
}

// updateLocked replaces the pod object; an unschedulable pod whose spec
// changed is retried.
func (q *Queue) updateLocked(it *Item, pod *corev1.Pod) {
	it.Pod = pod
	switch it.where {
	case inActive:
		heap.Fix(&q.active, it.index)
	case inUnschedulable:
		delete(q.unschedulable, pod.UID)
		q.requeueLocked(it)
	}
}

// Delete removes a pod from the queue (deleted, or bound by someone else).
func (q *Queue) Delete(uid types.UID) {
	q.mu.Lock()
	defer q.mu.Unlock()
	it, ok := q.items[uid]
	if !ok {
		return
	}
	delete(q.items, uid)
	switch it.where {
	case inActive:
		heap.Remove(&q.active, it.index)
	case inBackoff:
		heap.Remove(&q.backoff, it.index)
	case inUnschedulable:
		delete(q.unschedulable, uid)
	}
}

// Pop blocks until a pod is active and returns it; it fails when ctx ends
// or the queue is closed.
func (q *Queue) Pop(ctx context.Context) (*Item, error) {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return nil, context.Canceled
		}
		if q.active.Len() > 0 {
			it := heap.Pop(&q.active).(*Item)
			it.where, it.cycle = inFlight, q.moveCycle
			it.Attempts++
			q.mu.Unlock()
			return it, nil
		}
		wake := q.wake
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-wake:
		}
	}
}

// Done forgets a pod that was scheduled (bound).
func (q *Queue) Done(uid types.UID) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if it, ok := q.items[uid]; ok && it.where == inFlight {
		delete(q.items, uid)
	}
}

// AddUnschedulable returns a popped pod that did not fit anywhere. It waits
// for a cluster event, unless one arrived during the attempt.
func (q *Queue) AddUnschedulable(it *Item) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.items[it.Pod.UID] != it || it.where != inFlight {
		return // deleted meanwhile
	}
	if q.moveCycle > it.cycle {
		q.pushBackoff(it)
		return
	}
	it.where, it.unschedSince = inUnschedulable, q.now()
	q.unschedulable[it.Pod.UID] = it
}

// AddBackoff returns a popped pod after an error (e.g. a failed bind).
func (q *Queue) AddBackoff(it *Item) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.items[it.Pod.UID] != it || it.where != inFlight {
		return
	}
	q.pushBackoff(it)
}

// MoveAll retries every unschedulable pod after a cluster event.
func (q *Queue) MoveAll() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.moveCycle++
	for uid, it := range q.unschedulable {
		delete(q.unschedulable, uid)
		q.requeueLocked(it)
	}
}

// MoveIf retries the unschedulable pods for which want is true, after a
// cluster event that can only help some pods (an assigned pod appearing
// helps pods with required pod affinity).
func (q *Queue) MoveIf(want func(*corev1.Pod) bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.moveCycle++
	for uid, it := range q.unschedulable {
		if want(it.Pod) {
			delete(q.unschedulable, uid)
			q.requeueLocked(it)
		}
	}
}

// requeueLocked sends an item to backoffQ if it is still backing off, else
// to activeQ.
func (q *Queue) requeueLocked(it *Item) {
	if q.now().Before(it.backoffUntil) {
		it.where = inBackoff
		heap.Push(&q.backoff, it)
		return
	}
	q.pushActive(it)
}

func (q *Queue) pushBackoff(it *Item) {
	it.backoffUntil = q.now().Add(Backoff(it.Attempts))
	it.where = inBackoff
	heap.Push(&q.backoff, it)
}

func (q *Queue) pushActive(it *Item) {
	it.where, it.timestamp = inActive, q.now()
	if it.Attempts == 0 {
		it.timestamp = it.Added
	}
	heap.Push(&q.active, it)
	close(q.wake)
	q.wake = make(chan struct{})
}

// Flush moves pods whose backoff is over to activeQ and pods unschedulable
// for longer than MaxUnschedulable back into rotation. Call it about once a
// second.
func (q *Queue) Flush() {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	for q.backoff.Len() > 0 && !now.Before(q.backoff.items[0].backoffUntil) {
		q.pushActive(heap.Pop(&q.backoff).(*Item))
	}
	for uid, it := range q.unschedulable {
		if now.Sub(it.unschedSince) > MaxUnschedulable {
			delete(q.unschedulable, uid)
			q.requeueLocked(it)
		}
	}
}

// Run calls Flush every interval until ctx ends.
func (q *Queue) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			q.Flush()
		}
	}
}

// Close wakes every Pop with an error.
func (q *Queue) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	close(q.wake)
	q.wake = make(chan struct{})
}

// Lens returns the sizes of activeQ, backoffQ and the unschedulable set.
func (q *Queue) Lens() (active, backoff, unschedulable int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.active.Len(), q.backoff.Len(), len(q.unschedulable)
}
