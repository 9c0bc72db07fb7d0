package watchcache

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"k8s.io/apimachinery/pkg/watch"

	"github.com/wharfhq/wharf/apiserver/internal/codec"
	"github.com/wharfhq/wharf/proto/api"
)

// Errors that end a watch or refuse to start one.
var (
	// ErrTooOld: the requested revision is older than the events kept.
	// Errors wrapping it have an Oldest() int64 method. The server answers
	// 410 Gone "too old resource version: X (Y)".
	ErrTooOld = errors.New("watchcache: resource version too old")
	// ErrSlow: the watcher did not read fast enough and its buffer filled.
	ErrSlow = errors.New("watchcache: watcher too slow")
	// ErrTooLarge: the requested revision is ahead of what the cache
	// reached within a few seconds (upstream: 504 ResourceVersionTooLarge).
	ErrTooLarge = errors.New("watchcache: resource version too large")
	// ErrStopped: the cache's context has ended.
	ErrStopped = errors.New("watchcache: cache stopped")
)

// TooOldError is the error wrapping ErrTooOld.
type TooOldError struct {
	Requested int64 // the revision asked for
	Available int64 // the oldest revision a watch can start from
}

func (e *TooOldError) Error() string {
	return fmt.Sprintf("too old resource version: %d (%d)", e.Requested, e.Available)
}

// Is makes errors.Is(err, ErrTooOld) true.
func (e *TooOldError) Is(target error) bool { return target == ErrTooOld }

// Oldest returns the oldest revision still available.
func (e *TooOldError) Oldest() int64 { return e.Available }

// Event is one watch event. Events are shared by all watchers that
// receive them: Object must be treated as read-only.
type Event struct {
	Type watch.EventType
	// Object has apiVersion/kind set and resourceVersion == Revision
	// (for synthetic ADDED events of a fromRev=0 watch, its own mod
	// revision).
	Object   api.Object
	Revision int64
	frame    *frame
}

// frame caches the encoded watch-event line of one event. raw, if set, is
// the object's stored value (see package codec): the line is built from it
// with resourceVersion rev instead of encoding the object again.
type frame struct {
	once sync.Once
	b    []byte
	raw  []byte
	rev  int64
}

// newEvent returns an Event with its own frame cache; raw is obj's stored
// value or nil.
func newEvent(t watch.EventType, obj api.Object, rev int64, raw []byte) Event {
	return Event{Type: t, Object: obj, Revision: rev, frame: &frame{raw: raw, rev: rev}}
}

// Frame returns the event as the line a JSON watch stream sends:
// `{"type":"ADDED","object":{...}}` and a newline. It is encoded once and
// shared; the caller must not modify it.
func (e *Event) Frame() []byte {
	if e.frame == nil {
		return encodeFrame(e.Type, e.Object)
	}
	e.frame.once.Do(func() {
		if e.frame.raw != nil {
			if body := codec.WithResourceVersion(e.frame.raw, e.frame.rev); body != nil {
				e.frame.b = frameLine(e.Type, body)
				return
			}
		}
		e.frame.b = encodeFrame(e.Type, e.Object)
	})
	return e.frame.b
}

// encodeFrame encodes one watch-event line. An object that does not
// encode (a bug, not client input) becomes an ERROR event.
func encodeFrame(t watch.EventType, obj api.Object) []byte {
	body, err := json.Marshal(obj)
	if err != nil {
		t = watch.Error
		body = fmt.Appendf(nil, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":%s,"reason":"InternalError","code":500}`,
			strconv.Quote("encode watch event: "+err.Error()))
	}
	return frameLine(t, body)
}

// frameLine wraps an object's JSON into a watch-event line.
func frameLine(t watch.EventType, body []byte) []byte {
	buf := make([]byte, 0, len(body)+32)
	buf = append(buf, `{"type":"`...)
	buf = append(buf, t...)
	buf = append(buf, `","object":`...)
	buf = append(buf, body...)
	return append(buf, "}\n"...)
}

// record is one change to one key, kept in the ring. cur is nil for a
// delete, prev is nil for a create.
type record struct {
	key       string
	rev       int64
	cur, prev api.Object
	// curRaw and prevRaw are the stored values of cur and prev (nil if
	// unknown).
	curRaw, prevRaw []byte

	added, modified, deleted lazyEvent
}

// lazyEvent builds one variant of a record's event on first use; watchers
// run concurrently with the dispatcher when they read the ring.
type lazyEvent struct {
	once sync.Once
	ev   Event
}

// eventFor returns the event a watcher with filter sees for r, following
// upstream: passes now and before → MODIFIED, only now → ADDED, only
// before → DELETED carrying the previous state at r's revision; neither →
// ok is false.
func (r *record) eventFor(filter func(api.Object) bool) (Event, bool) {
	now := r.cur != nil && (filter == nil || filter(r.cur))
	before := r.prev != nil && (filter == nil || filter(r.prev))
	switch {
	case now && before:
		r.modified.once.Do(func() { r.modified.ev = newEvent(watch.Modified, r.cur, r.rev, r.curRaw) })
		return r.modified.ev, true
	case now:
		r.added.once.Do(func() { r.added.ev = newEvent(watch.Added, r.cur, r.rev, r.curRaw) })
		return r.added.ev, true
	case before:
		r.deleted.once.Do(func() { r.deleted.ev = newEvent(watch.Deleted, r.lastState(), r.rev, r.prevRaw) })
		return r.deleted.ev, true
	}
	return Event{}, false
}

// lastState is a copy of prev with resourceVersion set to the record's
// revision, as upstream sends in DELETED events.
func (r *record) lastState() api.Object {
	if r.cur == nil && r.prev.GetResourceVersion() == strconv.FormatInt(r.rev, 10) {
		return r.prev
	}
	obj, ok := r.prev.DeepCopyObject().(api.Object)
	if !ok {
		return r.prev
	}
	obj.SetResourceVersion(strconv.FormatInt(r.rev, 10))
	return obj
}
