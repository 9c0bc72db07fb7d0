package alloc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/wharfhq/wharf/apiserver/internal/storage"
)

// Errors of allocations.
var (
	ErrAllocated  = errors.New("provided value is already allocated")
	ErrNotInRange = errors.New("provided value is not in the valid range")
	ErrFull       = errors.New("range is full")
)

// maxCAS bounds compare-and-swap retries of one change.
const maxCAS = 1000

// KV is the etcd store an Allocator writes through; *storage.Store
// satisfies it.
type KV interface {
	Create(ctx context.Context, key string, value []byte) (int64, error)
	Get(ctx context.Context, key string) (storage.KV, error)
	Update(ctx context.Context, key string, value []byte, expectedRev int64) (int64, error)
}

// record is the stored form, as upstream's RangeAllocation.
type record struct {
	Range string `json:"range"`
	Data  []byte `json:"data"`
}

// Allocator is one bitmap range in etcd.
type Allocator struct {
	kv    KV
	key   string
	rng   string
	size  int
	mu    sync.Mutex
	cache storage.KV // last value seen; its ModRevision drives the next CAS
}

// NewAllocator returns an allocator of offsets [0,size) kept at key;
// rng names the range in the stored record.
func NewAllocator(kv KV, key, rng string, size int) *Allocator {
	return &Allocator{kv: kv, key: key, rng: rng, size: size}
}

// Size is the number of offsets.
func (a *Allocator) Size() int { return a.size }

// Allocate takes offset i.
func (a *Allocator) Allocate(ctx context.Context, i int) error {
	if i < 0 || i >= a.size {
		return ErrNotInRange
	}
	return a.change(ctx, func(b *bitmap) (bool, error) {
		if b.has(i) {
			return false, ErrAllocated
		}
		b.set(i)
		return true, nil
	})
}

// AllocateNext takes the lowest free offset.
func (a *Allocator) AllocateNext(ctx context.Context) (int, error) {
	var got int
	err := a.change(ctx, func(b *bitmap) (bool, error) {
		got = b.next()
		if got < 0 {
			return false, ErrFull
		}
		b.set(got)
		return true, nil
	})
	return got, err
}

// Release frees offset i; freeing a free offset is not an error.
func (a *Allocator) Release(ctx context.Context, i int) error {
	if i < 0 || i >= a.size {
		return nil
	}
	return a.change(ctx, func(b *bitmap) (bool, error) {
		if !b.has(i) {
			return false, nil
		}
		b.clear(i)
		return true, nil
	})
}

// Allocated lists the taken offsets as stored now.
func (a *Allocator) Allocated(ctx context.Context) ([]int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.refresh(ctx); err != nil {
		return nil, err
	}
	b, err := a.decode()
	if err != nil {
		return nil, err
	}
	return b.offsets(), nil
}

// change applies f to the current bitmap and stores the result with a
// CAS, re-reading and retrying on conflicts. f reports whether it
// changed anything.
func (a *Allocator) change(ctx context.Context, f func(*bitmap) (bool, error)) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	fresh := false
	if a.cache.Key == "" {
		if err := a.refresh(ctx); err != nil {
			return err
		}
		fresh = true
	}
	for attempt := 0; attempt < maxCAS; attempt++ {
		b, err := a.decode()
		if err != nil {
			return err
		}
		changed, err := f(b)
		if (err != nil || !changed) && !fresh {
			// The cached bitmap may be stale: decide on the stored one.
			if err := a.refresh(ctx); err != nil {
				return err
			}
			fresh = true
			continue
		}
		if err != nil || !changed {
			return err
		}
		val, err := json.Marshal(record{Range: a.rng, Data: b.bytes()})
		if err != nil {
			return fmt.Errorf("alloc: encode %s: %w", a.key, err)
		}
		rev, err := a.kv.Update(ctx, a.key, val, a.cache.ModRevision)
		if err == nil {
			a.cache = storage.KV{Key: a.key, Value: val, ModRevision: rev}
			return nil
		}
		if !errors.Is(err, storage.ErrConflict) && !errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("alloc: %w", err)
		}
		if err := a.refresh(ctx); err != nil {
			return err
		}
		fresh = true
	}
	return fmt.Errorf("alloc: %s: too many conflicting updates", a.key)
}

// refresh reads the stored record, creating an empty one if missing.
func (a *Allocator) refresh(ctx context.Context) error {
	kv, err := a.kv.Get(ctx, a.key)
	if errors.Is(err, storage.ErrNotFound) {
		val, _ := json.Marshal(record{Range: a.rng})
		rev, cerr := a.kv.Create(ctx, a.key, val)
		if cerr == nil {
			a.cache = storage.KV{Key: a.key, Value: val, ModRevision: rev}
			return nil
		}
		if !errors.Is(cerr, storage.ErrExists) {
			return fmt.Errorf("alloc: %w", cerr)
		}
		kv, err = a.kv.Get(ctx, a.key)
	}
	if err != nil {
		return fmt.Errorf("alloc: %w", err)
	}
	a.cache = kv
	return nil
}

func (a *Allocator) decode() (*bitmap, error) {
	var r record
	if err := json.Unmarshal(a.cache.Value, &r); err != nil {
		return nil, fmt.Errorf("alloc: decode %s: %w", a.key, err)
	}
	return newBitmap(a.size, r.Data), nil
}
