package watchcache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/watch"

	"github.com/wharfhq/wharf/proto/api"
)

const (
	// bufferSize is how many live events a watcher may fall behind
	// before it is ended with ErrSlow.
	bufferSize = 1000
	// futureWait is how long Watch waits for the cache to reach a
	// requested revision it has not seen yet (upstream waits 3s).
	futureWait = 3 * time.Second
)

// Watcher is one open watch. Read Events until it is closed, then Err
// says why it ended.
type Watcher struct {
	c      *Cache
	out    chan Event
	prefix string
	filter func(api.Object) bool
	// minRev: records at or below it were delivered as the backlog.
	minRev int64
	// trigger is the trigger value this watcher is indexed under, if
	// hasTrigger.
	trigger    string
	hasTrigger bool

	// Guarded by c.wmu.
	closed    bool
	err       error
	stopAfter func() bool
}

// Events returns the event channel. It is closed when the watch ends:
// on Stop, when the watch's context ends, when the cache relists (Err is
// then ErrTooOld) or when the watcher fell bufferSize events behind
// (ErrSlow).
func (w *Watcher) Events() <-chan Event { return w.out }

// Err returns why the watch ended: nil (stopped), or an error wrapping
// ErrTooOld or ErrSlow. It is nil while the watch runs.
func (w *Watcher) Err() error {
	w.c.wmu.Lock()
	defer w.c.wmu.Unlock()
	return w.err
}

// Stop ends the watch. It is safe to call more than once.
func (w *Watcher) Stop() {
	w.c.wmu.Lock()
	defer w.c.wmu.Unlock()
	w.c.endLocked(w, nil)
}

// WatchOption modifies a watch.
type WatchOption func(*Watcher)

// WithTrigger declares that filter only ever passes objects whose
// Config.Trigger value is v, so the cache offers the watcher only changes
// to such objects. It is ignored when the cache has no Trigger.
func WithTrigger(v string) WatchOption {
	return func(w *Watcher) { w.trigger, w.hasTrigger = v, true }
}

// Watch starts a watch of the keys under keyPrefix that pass filter (nil
// passes everything) until ctx ends or Stop.
//
// fromRev 0 first sends a synthetic ADDED event (Revision = the cache's
// revision) for every current object, then live events. fromRev > 0 sends
// every event with a revision above fromRev; the error wraps ErrTooOld
// (see TooOldError) when those are no longer kept, and ErrTooLarge when
// the cache does not reach fromRev within a few seconds.
//
// With a filter, a change that makes an object start matching is ADDED,
// one that makes it stop matching is DELETED (carrying the previous state
// at the change's revision), and changes to objects that match neither
// before nor after are skipped.
func (c *Cache) Watch(ctx context.Context, fromRev int64, keyPrefix string, filter func(api.Object) bool, opts ...WatchOption) (*Watcher, error) {
	if fromRev < 0 {
		return nil, fmt.Errorf("watchcache: negative resource version %d", fromRev)
	}
	if fromRev > c.Revision() {
		wctx, cancel := context.WithTimeout(ctx, futureWait)
		err := c.WaitForRevision(wctx, fromRev)
		cancel()
		if err != nil {
			if errors.Is(err, ErrStopped) {
				return nil, err
			}
			return nil, fmt.Errorf("watchcache: resource version %d (at %d): %w", fromRev, c.Revision(), ErrTooLarge)
		}
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	w := &Watcher{c: c, prefix: keyPrefix, filter: filter}
	for _, o := range opts {
		o(w)
	}
	w.hasTrigger = w.hasTrigger && c.cfg.Trigger != nil
	backlog, err := c.backlogLocked(w, fromRev)
	if err != nil {
		return nil, err
	}
	w.out = make(chan Event, len(backlog)+bufferSize)
	for _, ev := range backlog {
		w.out <- ev
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.stopped {
		return nil, ErrStopped
	}
	c.addWatcherLocked(w)
	w.stopAfter = context.AfterFunc(ctx, w.Stop)
	return w, nil
}

// backlogLocked returns the events w must get before live ones and sets
// w.minRev; c.mu must be held.
func (c *Cache) backlogLocked(w *Watcher, fromRev int64) ([]Event, error) {
	rev := c.rev.Load()
	w.minRev = max(rev, fromRev)
	var evs []Event
	if fromRev == 0 {
		c.ascend(w.prefix, func(e *entry) {
			if w.filter == nil || w.filter(e.obj) {
				evs = append(evs, Event{Type: watch.Added, Object: e.obj, Revision: rev, frame: e.frame})
			}
		})
		return evs, nil
	}
	if fromRev < c.oldest {
		return nil, &TooOldError{Requested: fromRev, Available: c.oldest}
	}
	for _, r := range c.ring.after(fromRev) {
		if !strings.HasPrefix(r.key, w.prefix) {
			continue
		}
		if ev, ok := r.eventFor(w.filter); ok {
			evs = append(evs, ev)
		}
	}
	return evs, nil
}

// dispatch sends records to every watcher they concern without blocking;
// a watcher with a full buffer is ended with ErrSlow.
func (c *Cache) dispatch(recs []*record) {
	if len(recs) == 0 {
		return
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	for w := range c.untriggered {
		for _, r := range recs {
			if !c.deliverLocked(w, r) {
				break
			}
		}
	}
	if len(c.triggered) == 0 {
		return
	}
	for _, r := range recs {
		var cur, prev string
		if r.cur != nil {
			cur = c.cfg.Trigger(r.cur)
			c.deliverTriggeredLocked(cur, r)
		}
		if r.prev != nil {
			if prev = c.cfg.Trigger(r.prev); r.cur == nil || prev != cur {
				c.deliverTriggeredLocked(prev, r)
			}
		}
	}
}

func (c *Cache) deliverTriggeredLocked(value string, r *record) {
	for w := range c.triggered[value] {
		c.deliverLocked(w, r)
	}
}

// deliverLocked sends r to w if it concerns w; it returns false when w
// was ended because its buffer is full. c.wmu must be held.
func (c *Cache) deliverLocked(w *Watcher, r *record) bool {
	if w.closed {
		return false
	}
	if r.rev <= w.minRev || !strings.HasPrefix(r.key, w.prefix) {
		return true
	}
	ev, ok := r.eventFor(w.filter)
	if !ok {
		return true
	}
	select {
	case w.out <- ev:
		return true
	default:
		c.endLocked(w, fmt.Errorf("watchcache: %d events not read: %w", cap(w.out), ErrSlow))
		return false
	}
}

// addWatcherLocked registers w; c.wmu must be held.
func (c *Cache) addWatcherLocked(w *Watcher) {
	c.watchers[w] = struct{}{}
	if !w.hasTrigger {
		c.untriggered[w] = struct{}{}
		return
	}
	set := c.triggered[w.trigger]
	if set == nil {
		set = make(map[*Watcher]struct{})
		c.triggered[w.trigger] = set
	}
	set[w] = struct{}{}
}

// removeWatcherLocked unregisters w; c.wmu must be held.
func (c *Cache) removeWatcherLocked(w *Watcher) {
	delete(c.watchers, w)
	delete(c.untriggered, w)
	if set := c.triggered[w.trigger]; set != nil {
		delete(set, w)
		if len(set) == 0 {
			delete(c.triggered, w.trigger)
		}
	}
}

// endLocked closes w's channel with err as the reason; c.wmu must be
// held.
func (c *Cache) endLocked(w *Watcher, err error) {
	if w.closed {
		return
	}
	w.closed, w.err = true, err
	c.removeWatcherLocked(w)
	close(w.out)
	if w.stopAfter != nil {
		// Does not wait for a running w.Stop, so it is safe under c.wmu.
		w.stopAfter()
	}
}
