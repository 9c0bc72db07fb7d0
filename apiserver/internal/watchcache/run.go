package watchcache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/btree"

	"github.com/wharfhq/wharf/apiserver/internal/storage"
)

// Retry delays after a failed etcd watch or list.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// run keeps the cache current until ctx ends: it watches from the cache's
// revision, re-watches when the watch breaks, and relists when the
// position was compacted away.
func (c *Cache) run(ctx context.Context) {
	defer c.shutdown()
	backoff := minBackoff
	for {
		err := c.watch(ctx)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, storage.ErrCompacted) {
			c.log.WarnContext(ctx, "watch position compacted; relisting", "rev", c.Revision(), "err", err)
			err = c.relist(ctx)
		}
		if err == nil {
			backoff = minBackoff
			continue
		}
		c.log.WarnContext(ctx, "etcd watch failed; retrying", "err", err, "backoff", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// watch applies changes from one etcd watch until it ends.
func (c *Cache) watch(ctx context.Context) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for res := range c.cfg.Store.Watch(wctx, c.cfg.Prefix, c.Revision()+1) {
		switch {
		case res.Err != nil:
			return res.Err
		case len(res.Events) > 0:
			c.apply(res.Events)
		case res.Revision > 0:
			c.mu.Lock()
			c.setRevLocked(res.Revision)
			c.mu.Unlock()
		}
	}
	return ctx.Err()
}

// relist replaces the cache's contents with a fresh list of the prefix
// and ends every watcher with ErrTooOld: the changes between the old and
// the new state are unknown.
func (c *Cache) relist(ctx context.Context) error {
	objects := btree.NewG(32, lessEntry)
	opts := storage.ListOptions{Limit: listPageSize}
	for {
		page, err := c.cfg.Store.List(ctx, c.cfg.Prefix, opts)
		if err != nil {
			return fmt.Errorf("watchcache: list %s: %w", c.cfg.Prefix, err)
		}
		for _, kv := range page.Items {
			obj, err := c.cfg.Decode(kv)
			if err != nil {
				c.log.ErrorContext(ctx, "skipping undecodable object", "key", kv.Key, "err", err)
				continue
			}
			objects.ReplaceOrInsert(newEntry(kv, obj))
		}
		opts.Revision = page.Revision
		if !page.More {
			break
		}
		opts.StartKey = page.NextKey
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.objects = objects
	c.ring.reset()
	c.oldest = opts.Revision
	c.setRevLocked(opts.Revision)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	for w := range c.watchers {
		c.endLocked(w, &TooOldError{Requested: w.minRev, Available: opts.Revision})
	}
	c.log.DebugContext(ctx, "listed", "objects", objects.Len(), "rev", opts.Revision)
	return nil
}

// apply records a batch of etcd events and dispatches them to watchers.
func (c *Cache) apply(evs []storage.Event) {
	recs := make([]*record, 0, len(evs))
	now := time.Now()
	c.mu.Lock()
	for _, e := range evs {
		r := c.applyOne(e)
		if r == nil {
			continue
		}
		if old := c.ring.push(r, now); old != nil {
			c.oldest = old.rev
		}
		recs = append(recs, r)
	}
	c.setRevLocked(evs[len(evs)-1].Revision)
	c.mu.Unlock()
	c.dispatch(recs)
}

// applyOne updates the objects for one event and returns its record, or
// nil when the event cannot be decoded (it is logged and skipped).
func (c *Cache) applyOne(e storage.Event) *record {
	r := &record{key: e.Key, rev: e.Revision}
	if old, ok := c.objects.Get(&entry{key: e.Key}); ok {
		r.prev, r.prevRaw = old.obj, old.raw
	}
	if e.Type == storage.EventDelete {
		if r.prev == nil {
			prev, err := c.cfg.Decode(storage.KV{Key: e.Key, Value: e.PrevValue, ModRevision: e.Revision})
			if err != nil {
				c.log.Error("skipping delete of undecodable object", "key", e.Key, "rev", e.Revision, "err", err)
				return nil
			}
			r.prev, r.prevRaw = prev, e.PrevValue
		}
		c.objects.Delete(&entry{key: e.Key})
		return r
	}
	kv := storage.KV{Key: e.Key, Value: e.Value, ModRevision: e.Revision}
	obj, err := c.cfg.Decode(kv)
	if err != nil {
		c.log.Error("skipping undecodable object", "key", e.Key, "rev", e.Revision, "err", err)
		return nil
	}
	r.cur, r.curRaw = obj, e.Value
	c.objects.ReplaceOrInsert(newEntry(kv, obj))
	return r
}

// shutdown ends every watcher when the cache stops.
func (c *Cache) shutdown() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.stopped = true
	for w := range c.watchers {
		c.endLocked(w, nil)
	}
	close(c.done)
}
