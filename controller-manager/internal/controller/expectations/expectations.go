// Package expectations remembers, per owner key, the pod creations and
// deletions a controller issued that its informer has not yet shown. A
// sync only creates or deletes when nothing is in flight, so a slow watch
// never causes over-creation (upstream's UIDTrackingControllerExpectations).
//
// Callers must check Satisfied before reading their pod cache: a sync that
// lists first and checks afterwards can see a cache older than the events
// that satisfied the expectations.
//
// Creations are counted; deletions are tracked per pod key, so a pod seen
// both terminating (deletionTimestamp set) and deleted counts once.
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
	add  int
	dels map[string]struct{}
	at   time.Time
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
	return !ok || (x.add <= 0 && len(x.dels) == 0) || e.now().Sub(x.at) > TTL
}

// Expect records add creations and the deletion of the pods with keys
// dels about to be issued, replacing what key expected before.
func (e *Expectations) Expect(key string, add int, dels []string) {
	set := make(map[string]struct{}, len(dels))
	for _, d := range dels {
		set[d] = struct{}{}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.m[key] = &expectation{add: add, dels: set, at: e.now()}
}

// Created lowers the expected creations by n: the informer showed a new
// pod, or an issued create failed and will never show.
func (e *Expectations) Created(key string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.m[key]; ok {
		x.add -= n
	}
}

// Deleted marks the pod podKey as no longer expected to go: the informer
// showed it terminating or deleted, or its delete failed. Repeated calls
// for one pod, and pods never expected, change nothing.
func (e *Expectations) Deleted(key, podKey string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.m[key]; ok {
		delete(x.dels, podKey)
	}
}

// Forget drops key (its owner is gone).
func (e *Expectations) Forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, key)
}
