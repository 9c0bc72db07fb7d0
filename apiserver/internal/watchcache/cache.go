package watchcache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/btree"

	"github.com/wharfhq/wharf/apiserver/internal/storage"
	"github.com/wharfhq/wharf/proto/api"
)

// Ring sizes: a Config.Capacity of 0 starts at defaultCapacity and grows
// up to maxCapacity while the dropped events would be younger than
// freshFor; an explicit Capacity is fixed.
const (
	defaultCapacity = 10000
	maxCapacity     = 100000
	// listPageSize bounds one etcd range read while (re)listing.
	listPageSize = 10000
	// progressEvery coalesces etcd progress requests of WaitForRevision.
	progressEvery = 50 * time.Millisecond
)

// Config is what New needs.
type Config struct {
	Store *storage.Store
	// Prefix is the resource's key prefix, e.g. "/registry/pods/".
	Prefix string
	// Decode decodes a stored value and sets resourceVersion to
	// kv.ModRevision and apiVersion/kind.
	Decode func(kv storage.KV) (api.Object, error)
	// Capacity is how many events are kept for resuming watches; 0 means
	// 10000, growing on demand up to 100000.
	Capacity int
	Logger   *slog.Logger
	// Trigger, if set, returns an object's trigger value (for pods,
	// spec.nodeName). Watchers started WithTrigger(v) are only offered
	// changes whose old or new object has trigger value v, so N kubelets
	// watching their own pods cost O(1) per event instead of O(N), as
	// upstream's cacher does with its index triggers.
	Trigger func(api.Object) string
}

// Cache is one resource's watch cache. Create it with New; it runs until
// the context given to New ends.
type Cache struct {
	cfg Config
	log *slog.Logger

	// mu guards the state below; only the run goroutine writes it.
	mu      sync.RWMutex
	objects *btree.BTreeG[*entry]
	ring    *ring
	oldest  int64         // every change after oldest is in ring
	rev     atomic.Int64  // highest revision seen; written under mu
	revCh   chan struct{} // closed and replaced when rev advances

	// wmu guards watchers, stopped and every Watcher's closed/err/out.
	// Lock order: mu before wmu.
	wmu      sync.Mutex
	watchers map[*Watcher]struct{}
	// untriggered is the watchers without a trigger; triggered indexes
	// the others by trigger value. Together they hold every watcher.
	untriggered map[*Watcher]struct{}
	triggered   map[string]map[*Watcher]struct{}
	stopped     bool

	lastProgress atomic.Int64 // unix nanos of the last progress request
	done         chan struct{}
}

// entry is one object in the cache. raw is its stored value (JSON without
// resourceVersion) and rev its mod revision; frame caches its ADDED event
// line for watches that start from revision 0.
type entry struct {
	key   string
	obj   api.Object
	raw   []byte
	rev   int64
	frame *frame
}

// newEntry returns the entry of a decoded stored value.
func newEntry(kv storage.KV, obj api.Object) *entry {
	return &entry{key: kv.Key, obj: obj, raw: kv.Value, rev: kv.ModRevision, frame: &frame{raw: kv.Value, rev: kv.ModRevision}}
}

func lessEntry(a, b *entry) bool { return a.key < b.key }

// New lists cfg.Prefix, then keeps the cache current with one etcd watch
// from the list's revision until ctx ends. It returns once the initial
// list is loaded.
func New(ctx context.Context, cfg Config) (*Cache, error) {
	c, err := newCache(cfg)
	if err != nil {
		return nil, err
	}
	if err := c.relist(ctx); err != nil {
		return nil, err
	}
	go c.run(ctx)
	return c, nil
}

// newCache validates cfg and returns an empty cache that is not running.
func newCache(cfg Config) (*Cache, error) {
	if cfg.Store == nil || cfg.Decode == nil {
		return nil, errors.New("watchcache: Store and Decode are required")
	}
	if !strings.HasPrefix(cfg.Prefix, "/") || !strings.HasSuffix(cfg.Prefix, "/") {
		return nil, fmt.Errorf("watchcache: prefix %q must start and end with /", cfg.Prefix)
	}
	size, limit := cfg.Capacity, cfg.Capacity
	if cfg.Capacity <= 0 {
		size, limit = defaultCapacity, maxCapacity
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Cache{
		cfg:         cfg,
		log:         log.With("prefix", cfg.Prefix),
		objects:     btree.NewG(32, lessEntry),
		ring:        newRing(size, limit),
		revCh:       make(chan struct{}),
		watchers:    make(map[*Watcher]struct{}),
		untriggered: make(map[*Watcher]struct{}),
		triggered:   make(map[string]map[*Watcher]struct{}),
		done:        make(chan struct{}),
	}, nil
}

// Revision returns the highest etcd revision the cache has caught up to.
func (c *Cache) Revision() int64 { return c.rev.Load() }

// WaitForRevision blocks until the cache has seen rev, asking etcd for
// progress notifications so that revisions of other resources are
// reached too. It fails when ctx ends or the cache stops.
func (c *Cache) WaitForRevision(ctx context.Context, rev int64) error {
	for {
		c.mu.RLock()
		cur, ch := c.rev.Load(), c.revCh
		c.mu.RUnlock()
		if cur >= rev {
			return nil
		}
		c.requestProgress(ctx)
		t := time.NewTimer(2 * progressEvery)
		select {
		case <-ch:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("watchcache: wait for revision %d (at %d): %w", rev, cur, ctx.Err())
		case <-c.done:
			t.Stop()
			return ErrStopped
		}
		t.Stop()
	}
}

// requestProgress asks etcd for a progress notification, at most once
// per progressEvery.
func (c *Cache) requestProgress(ctx context.Context) {
	now := time.Now().UnixNano()
	last := c.lastProgress.Load()
	if now-last < int64(progressEvery) || !c.lastProgress.CompareAndSwap(last, now) {
		return
	}
	if err := c.cfg.Store.RequestProgress(ctx); err != nil {
		c.log.DebugContext(ctx, "watch progress request failed", "err", err)
	}
}

// Get returns the object stored under key.
func (c *Cache) Get(key string) (api.Object, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.objects.Get(&entry{key: key})
	if !ok {
		return nil, false
	}
	return e.obj, true
}

// GetKV returns the object stored under key with its stored value and mod
// revision, as storage.Store.Get would return them if the cache is
// current. The object and the value are shared and must not be modified.
func (c *Cache) GetKV(key string) (storage.KV, api.Object, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.objects.Get(&entry{key: key})
	if !ok || e.raw == nil {
		return storage.KV{}, nil, false
	}
	return storage.KV{Key: e.key, Value: e.raw, ModRevision: e.rev}, e.obj, true
}

// List returns the objects whose keys start with keyPrefix, sorted by
// key, and the revision they are current at. The objects are shared and
// must be treated as read-only.
func (c *Cache) List(keyPrefix string) ([]api.Object, int64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var objs []api.Object
	c.ascend(keyPrefix, func(e *entry) { objs = append(objs, e.obj) })
	return objs, c.rev.Load()
}

// ascend calls f for every entry under keyPrefix in key order; c.mu must
// be held.
func (c *Cache) ascend(keyPrefix string, f func(*entry)) {
	iter := func(e *entry) bool {
		if !strings.HasPrefix(e.key, keyPrefix) {
			return false
		}
		f(e)
		return true
	}
	c.objects.AscendGreaterOrEqual(&entry{key: keyPrefix}, iter)
}

// setRevLocked advances the revision and wakes WaitForRevision; c.mu must
// be held for writing.
func (c *Cache) setRevLocked(rev int64) {
	if rev <= c.rev.Load() {
		return
	}
	c.rev.Store(rev)
	close(c.revCh)
	c.revCh = make(chan struct{})
}
