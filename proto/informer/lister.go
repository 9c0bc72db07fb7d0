package informer

import (
	"k8s.io/apimachinery/pkg/labels"

	"github.com/wharfhq/wharf/proto/api"
)

// Lister reads an Informer's cache. It is safe for concurrent use by any
// number of goroutines. The objects it returns are shared with the cache
// and with every other reader: DeepCopy before mutating one. Results are
// in no particular order.
type Lister[T api.Object] struct {
	s *store[T]
}

// Get returns the object namespace/name (namespace "" for cluster-scoped
// objects).
func (l *Lister[T]) Get(namespace, name string) (T, bool) {
	key := name
	if namespace != "" {
		key = namespace + "/" + name
	}
	return l.s.get(key)
}

// GetByKey returns the object with the given cache key (see KeyOf).
func (l *Lister[T]) GetByKey(key string) (T, bool) { return l.s.get(key) }

// List returns the objects whose labels match selector; nil matches all.
func (l *Lister[T]) List(selector labels.Selector) []T {
	return filter(l.s.list(), selector)
}

// ByNamespace returns the objects in namespace ns. As in client-go's
// listers, "" (metav1.NamespaceAll) returns every object.
func (l *Lister[T]) ByNamespace(ns string) []T {
	if ns == "" {
		return l.s.list()
	}
	objs, _ := l.s.byIndex(NamespaceIndexName, ns)
	return objs
}

// ListNamespace returns the objects in namespace ns ("" = all) whose
// labels match selector; nil matches all.
func (l *Lister[T]) ListNamespace(ns string, selector labels.Selector) []T {
	return filter(l.ByNamespace(ns), selector)
}

// ByIndex returns the objects whose index has value. It returns nil for
// an index the Informer was not configured with.
func (l *Lister[T]) ByIndex(index, value string) []T {
	objs, _ := l.s.byIndex(index, value)
	return objs
}

// Keys returns the cache keys of all objects.
func (l *Lister[T]) Keys() []string { return l.s.keys() }

// Len returns the number of cached objects.
func (l *Lister[T]) Len() int { return l.s.len() }

func filter[T api.Object](objs []T, selector labels.Selector) []T {
	if selector == nil || selector.Empty() {
		return objs
	}
	out := objs[:0]
	for _, obj := range objs {
		if selector.Matches(labels.Set(obj.GetLabels())) {
			out = append(out, obj)
		}
	}
	return out
}
