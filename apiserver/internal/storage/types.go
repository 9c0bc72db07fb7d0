package storage

import "errors"

// Errors returned by Store. Callers map them to API Status codes.
var (
	ErrNotFound  = errors.New("storage: key not found")          // 404
	ErrExists    = errors.New("storage: key already exists")     // 409 AlreadyExists
	ErrConflict  = errors.New("storage: revision mismatch")      // 409 Conflict
	ErrCompacted = errors.New("storage: revision was compacted") // 410 Gone
)

// KV is one stored value with the etcd revision that last modified it.
// The object's resourceVersion is ModRevision.
type KV struct {
	Key         string
	Value       []byte
	ModRevision int64
}

// EventType says what happened to a key.
type EventType int

// Event types.
const (
	EventPut EventType = iota
	EventDelete
)

// Event is one change observed by a watch, in revision order.
// For EventPut, Value is the new value and Created says the key was new;
// for EventDelete, Value is empty and PrevValue holds the last value.
type Event struct {
	Type      EventType
	Key       string
	Value     []byte
	PrevValue []byte
	Created   bool
	Revision  int64
}

// ListOptions selects a page of keys under a prefix.
type ListOptions struct {
	// Limit caps the number of keys returned; 0 means no limit.
	Limit int64
	// StartKey, if set, is the first key (inclusive) of the page.
	StartKey string
	// Revision, if non-zero, reads the store as of that revision (used to
	// serve continue tokens consistently); ErrCompacted if too old.
	Revision int64
}

// ListResult is one page of a List.
type ListResult struct {
	Items []KV
	// Revision is the store revision the page was read at.
	Revision int64
	// More is true when keys remain after the page; NextKey is the first.
	More    bool
	NextKey string
}
