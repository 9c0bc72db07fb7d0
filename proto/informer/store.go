package informer

import (
	"fmt"
	"sync"

	"github.com/wharfhq/wharf/proto/api"
)

// IndexFunc returns the index values of obj (for example its node name).
// An object may have any number of values, including none.
type IndexFunc[T api.Object] func(obj T) ([]string, error)

// NamespaceIndexName is the name of the index every Informer maintains.
const NamespaceIndexName = "namespace"

// NamespaceIndex indexes objects by namespace ("" for cluster-scoped ones).
func NamespaceIndex[T api.Object](obj T) ([]string, error) {
	return []string{obj.GetNamespace()}, nil
}

// keySet is a set of cache keys.
type keySet map[string]struct{}

// store is the informer's cache: objects by key plus secondary indices.
// Writes come only from the informer's goroutine; reads from anywhere.
type store[T api.Object] struct {
	indexers map[string]IndexFunc[T]

	mu    sync.RWMutex
	items map[string]T
	// indices[indexName][value] is the set of keys with that value.
	indices map[string]map[string]keySet
}

func newStore[T api.Object](indexers map[string]IndexFunc[T]) *store[T] {
	s := &store[T]{
		indexers: indexers,
		items:    make(map[string]T),
		indices:  make(map[string]map[string]keySet, len(indexers)),
	}
	for name := range indexers {
		s.indices[name] = make(map[string]keySet)
	}
	return s
}

// put stores obj under key and returns the object it replaced. An index
// function error leaves obj out of that index and is returned.
func (s *store[T]) put(key string, obj T) (old T, existed bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, existed = s.items[key]
	if existed {
		s.unindex(key, old)
	}
	s.items[key] = obj
	return old, existed, s.index(key, obj)
}

// remove deletes key and returns the object it held.
func (s *store[T]) remove(key string) (old T, existed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, existed = s.items[key]
	if existed {
		s.unindex(key, old)
		delete(s.items, key)
	}
	return old, existed
}

func (s *store[T]) index(key string, obj T) error {
	var errs []error
	for name, fn := range s.indexers {
		values, err := fn(obj)
		if err != nil {
			errs = append(errs, fmt.Errorf("index %q of %s: %w", name, key, err))
			continue
		}
		idx := s.indices[name]
		for _, v := range values {
			set := idx[v]
			if set == nil {
				set = make(keySet)
				idx[v] = set
			}
			set[key] = struct{}{}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("informer: %w", errs[0])
	}
	return nil
}

// unindex removes key from every index value old had. It recomputes the
// values from old, which is unchanged since it was indexed because
// objects in the cache are never mutated.
func (s *store[T]) unindex(key string, old T) {
	for name, fn := range s.indexers {
		values, err := fn(old)
		if err != nil {
			continue
		}
		idx := s.indices[name]
		for _, v := range values {
			if set := idx[v]; set != nil {
				delete(set, key)
				if len(set) == 0 {
					delete(idx, v)
				}
			}
		}
	}
}

func (s *store[T]) get(key string) (T, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	obj, ok := s.items[key]
	return obj, ok
}

// list returns every object, in no particular order.
func (s *store[T]) list() []T {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]T, 0, len(s.items))
	for _, obj := range s.items {
		out = append(out, obj)
	}
	return out
}

func (s *store[T]) keys() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.items))
	for k := range s.items {
		out = append(out, k)
	}
	return out
}

// byIndex returns the objects whose index name has value; ok is false if
// there is no such index.
func (s *store[T]) byIndex(name, value string) (objs []T, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	idx, ok := s.indices[name]
	if !ok {
		return nil, false
	}
	set := idx[value]
	objs = make([]T, 0, len(set))
	for k := range set {
		objs = append(objs, s.items[k])
	}
	return objs, true
}

func (s *store[T]) len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.items)
}
