package replication

import (
	"sync"
	"time"
)

// expectationsTTL bounds how long a controller trusts its own in-flight
// creates and deletes before it re-counts from the cache regardless.
const expectationsTTL = 5 * time.Minute

// expectations remember, per owner key, how many pod creations and
// deletions the controller issued that the informer has not yet shown. A
// sync only acts when they are met, so a slow watch never causes
// over-creation.
type expectations struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]*expectation
}

type expectation struct {
	add, del int
	at       time.Time
}

func newExpectations(now func() time.Time) *expectations {
	return &expectations{now: now, m: map[string]*expectation{}}
}

// satisfied reports whether key has nothing in flight (or its record expired).
func (e *expectations) satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.m[key]
	if !ok {
		return true
	}
	return (x.add <= 0 && x.del <= 0) || e.now().Sub(x.at) > expectationsTTL
}

// expect records add creations and del deletions about to be issued.
func (e *expectations) expect(key string, add, del int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.m[key] = &expectation{add: add, del: del, at: e.now()}
}

// observed lowers the counts when the informer shows a create or delete,
// or when an issued request failed and will never show.
func (e *expectations) observed(key string, add, del int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.m[key]; ok {
		x.add -= add
		x.del -= del
	}
}

// forget drops key (its owner is gone).
func (e *expectations) forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, key)
}
