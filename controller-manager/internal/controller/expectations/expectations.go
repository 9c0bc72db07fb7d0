// Package expectations remembers, per owner key, how many pod creations
// and deletions a controller issued that its informer has not yet shown.
// A sync only creates or deletes when nothing is in flight, so a slow
// watch never causes over-creation (upstream's ControllerExpectations).
package expectations

import (
	"sync"
	"time"
)

// TTL bounds how long in-flight creates and deletes are trusted before a
// controller re-counts from its cache regardless.
const TTL = 5 * time.Minute

// Expectations is safe for concurrent use.
type Expectations struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]*expectation
}

type expectation struct {
	add, del int
	at       time.Time
}

// New returns empty expectations using now as the clock.
func New(now func() time.Time) *Expectations {
	return &Expectations{now: now, m: map[string]*expectation{}}
}

// Satisfied reports whether key has nothing in flight (or its record
// expired).
func (e *Expectations) Satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.m[key]
	return !ok || (x.add <= 0 && x.del <= 0) || e.now().Sub(x.at) > TTL
}

// Expect records add creations and del deletions about to be issued.
func (e *Expectations) Expect(key string, add, del int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.m[key] = &expectation{add: add, del: del, at: e.now()}
}

// Observed lowers the counts when the informer shows a create or delete,
// or when an issued request failed and will never show.
func (e *Expectations) Observed(key string, add, del int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.m[key]; ok {
		x.add -= add
		x.del -= del
	}
}

// Forget drops key (its owner is gone).
func (e *Expectations) Forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, key)
}
