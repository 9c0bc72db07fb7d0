package informer

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"

	"github.com/wharfhq/wharf/proto/api"
)

// Clock is the Informer's time source for resync and backoff.
// clock.RealClock{} and k8s.io/utils/clock/testing's *FakeClock satisfy it.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) clock.Timer
}

// Options configures an Informer. The zero value is usable.
type Options[T api.Object] struct {
	// ResyncPeriod, if positive, calls OnUpdate(obj, obj) for every
	// cached object that often.
	ResyncPeriod time.Duration
	// Indexers are extra indices for Lister.ByIndex. The "namespace"
	// index is always present.
	Indexers map[string]IndexFunc[T]
	// Logger receives state changes; nil means slog.Default().
	Logger *slog.Logger
	// ListOptions, if set, edits the options of every list and watch,
	// typically to set LabelSelector or FieldSelector.
	ListOptions func(*metav1.ListOptions)
	// PageSize, if positive, lists in pages of that many objects.
	PageSize int64
	// Clock is the time source; nil means the real clock.
	Clock Clock
}

// Handler receives cache changes. Nil functions are skipped.
//
// All handlers of an Informer are called from one goroutine, in event
// order, after the cache has been updated; a handler that blocks delays
// every other handler and the cache itself, so handlers should only
// enqueue work. The objects are shared with the cache: DeepCopy before
// mutating one.
type Handler[T api.Object] struct {
	// OnAdd is called for a new object; initial is true for objects of
	// the first list (and for the replay when a handler is added late).
	OnAdd func(obj T, initial bool)
	// OnUpdate is called when an object changed, when a relist found it
	// with a new resourceVersion, and with old == new on every resync.
	OnUpdate func(old, new T)
	// OnDelete is called with the object's last state: the server's
	// final copy for a watched delete, the last cached copy for an
	// object that was missing from a relist.
	OnDelete func(obj T)
}

// Informer keeps a cache of one resource in sync with the apiserver and
// tells handlers about changes. Create it with New and start it with Run.
type Informer[T api.Object] struct {
	lw    ListerWatcher[T]
	opts  Options[T]
	log   *slog.Logger
	clock Clock
	store *store[T]

	// dispatchMu serialises cache writes with handler calls, so a
	// handler added late replays a consistent cache and misses nothing.
	dispatchMu sync.Mutex
	handlers   []Handler[T]

	started atomic.Bool
	synced  atomic.Bool
	lastRV  atomic.Pointer[string]
}

// New returns an Informer over lw. It does nothing until Run.
func New[T api.Object](lw ListerWatcher[T], opts Options[T]) *Informer[T] {
	indexers := maps.Clone(opts.Indexers)
	if indexers == nil {
		indexers = make(map[string]IndexFunc[T])
	}
	indexers[NamespaceIndexName] = NamespaceIndex[T]
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	var zero T
	return &Informer[T]{
		lw:    lw,
		opts:  opts,
		log:   logger.With("informer", fmt.Sprintf("%T", zero)),
		clock: opts.Clock,
		store: newStore(indexers),
	}
}

// AddHandler registers h. Added after the Informer has listed, h first
// gets OnAdd(obj, true) for every cached object.
func (i *Informer[T]) AddHandler(h Handler[T]) {
	i.dispatchMu.Lock()
	defer i.dispatchMu.Unlock()
	i.handlers = append(i.handlers, h)
	if h.OnAdd == nil {
		return
	}
	for _, obj := range i.store.list() {
		h.OnAdd(obj, true)
	}
}

// Lister returns a reader of the cache.
func (i *Informer[T]) Lister() *Lister[T] { return &Lister[T]{s: i.store} }

// HasSynced reports whether the first list has been stored and handed to
// the handlers.
func (i *Informer[T]) HasSynced() bool { return i.synced.Load() }

// LastSyncResourceVersion is the resourceVersion the cache is current to.
func (i *Informer[T]) LastSyncResourceVersion() string {
	if p := i.lastRV.Load(); p != nil {
		return *p
	}
	return ""
}

func (i *Informer[T]) setLastRV(rv string) { i.lastRV.Store(&rv) }

// Run lists, watches and dispatches until ctx ends. It may be called once;
// later calls return at once.
func (i *Informer[T]) Run(ctx context.Context) {
	if !i.started.CompareAndSwap(false, true) {
		i.log.Error("informer: Run called twice")
		return
	}
	i.log.Debug("informer starting")
	r := &reflector[T]{inf: i, backoff: newBackoff(i.clock)}
	r.run(ctx)
	i.log.Debug("informer stopped")
}

// WaitForCacheSync waits until every synced function reports true and
// returns true, or returns false when ctx ends first.
func WaitForCacheSync(ctx context.Context, synced ...func() bool) bool {
	const poll = 100 * time.Millisecond
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		done := true
		for _, s := range synced {
			if !s() {
				done = false
				break
			}
		}
		if done {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
}
