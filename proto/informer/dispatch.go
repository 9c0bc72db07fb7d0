package informer

import (
	"k8s.io/apimachinery/pkg/watch"

	"github.com/wharfhq/wharf/proto/client"
)

// This file holds the cache writes. Each one updates the store and then
// calls the handlers, all under dispatchMu, from the Run goroutine.

// replace makes the cache equal to items: objects missing from items are
// deleted (OnDelete gets their last cached state), new ones added, and
// ones whose resourceVersion changed updated.
func (i *Informer[T]) replace(items []T) {
	i.dispatchMu.Lock()
	defer i.dispatchMu.Unlock()
	initial := !i.synced.Load()
	listed := make(map[string]struct{}, len(items))
	for _, obj := range items {
		if !isNil(obj) {
			listed[KeyOf(obj)] = struct{}{}
		}
	}
	for _, key := range i.store.keys() {
		if _, ok := listed[key]; ok {
			continue
		}
		if old, ok := i.store.remove(key); ok {
			i.notifyDelete(old)
		}
	}
	for _, obj := range items {
		if isNil(obj) {
			i.log.Warn("informer: list returned a nil object; skipped")
			continue
		}
		old, existed := i.put(obj)
		switch {
		case !existed:
			i.notifyAdd(obj, initial)
		case old.GetResourceVersion() != obj.GetResourceVersion():
			i.notifyUpdate(old, obj)
		}
	}
	i.synced.Store(true)
}

// apply applies one ADDED, MODIFIED or DELETED watch event.
func (i *Informer[T]) apply(ev client.Event[T]) {
	if isNil(ev.Object) {
		i.log.Warn("informer: watch event without object; skipped", "type", ev.Type)
		return
	}
	i.dispatchMu.Lock()
	defer i.dispatchMu.Unlock()
	switch ev.Type {
	case watch.Added, watch.Modified:
		if old, existed := i.put(ev.Object); existed {
			i.notifyUpdate(old, ev.Object)
		} else {
			i.notifyAdd(ev.Object, false)
		}
	case watch.Deleted:
		i.store.remove(KeyOf(ev.Object))
		i.notifyDelete(ev.Object)
	}
}

// resync calls OnUpdate(obj, obj) for every cached object.
func (i *Informer[T]) resync() {
	i.dispatchMu.Lock()
	defer i.dispatchMu.Unlock()
	for _, obj := range i.store.list() {
		i.notifyUpdate(obj, obj)
	}
}

func (i *Informer[T]) put(obj T) (old T, existed bool) {
	key := KeyOf(obj)
	old, existed, err := i.store.put(key, obj)
	if err != nil {
		i.log.Error("informer: indexing failed", "key", key, "err", err)
	}
	return old, existed
}

func (i *Informer[T]) notifyAdd(obj T, initial bool) {
	for _, h := range i.handlers {
		if h.OnAdd != nil {
			h.OnAdd(obj, initial)
		}
	}
}

func (i *Informer[T]) notifyUpdate(old, obj T) {
	for _, h := range i.handlers {
		if h.OnUpdate != nil {
			h.OnUpdate(old, obj)
		}
	}
}

func (i *Informer[T]) notifyDelete(obj T) {
	for _, h := range i.handlers {
		if h.OnDelete != nil {
			h.OnDelete(obj)
		}
	}
}
