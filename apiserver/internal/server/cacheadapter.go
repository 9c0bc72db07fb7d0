package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/wharfhq/wharf/apiserver/internal/watchcache"
	"github.com/wharfhq/wharf/proto/api"
)

// cacheAdapter makes a *watchcache.Cache an objectCache.
type cacheAdapter struct{ c *watchcache.Cache }

func (a cacheAdapter) Revision() int64 { return a.c.Revision() }

func (a cacheAdapter) WaitForRevision(ctx context.Context, rev int64) error {
	return a.c.WaitForRevision(ctx, rev)
}

func (a cacheAdapter) Get(key string) (api.Object, bool) { return a.c.Get(key) }

func (a cacheAdapter) List(prefix string) ([]api.Object, int64) { return a.c.List(prefix) }

func (a cacheAdapter) Watch(ctx context.Context, from int64, prefix string, filter func(api.Object) bool) (eventStream, error) {
	w, err := a.c.Watch(ctx, from, prefix, filter)
	if err != nil {
		return nil, mapWatchErr(err)
	}
	s := &watcherAdapter{w: w, out: make(chan watchEvent), done: make(chan struct{})}
	go s.pump()
	return s, nil
}

func mapWatchErr(err error) error {
	if errors.Is(err, watchcache.ErrTooOld) {
		return fmt.Errorf("%w: %w", errTooOld, err)
	}
	return err
}

// watcherAdapter relays a *watchcache.Watcher's events.
type watcherAdapter struct {
	w    *watchcache.Watcher
	out  chan watchEvent
	done chan struct{}
}

func (s *watcherAdapter) pump() {
	defer close(s.out)
	for ev := range s.w.Events() {
		select {
		case s.out <- watchEvent{Type: ev.Type, Object: ev.Object, Revision: ev.Revision, Frame: ev.Frame}:
		case <-s.done:
			return
		}
	}
}

func (s *watcherAdapter) Events() <-chan watchEvent { return s.out }

func (s *watcherAdapter) Err() error {
	if err := s.w.Err(); err != nil {
		return mapWatchErr(err)
	}
	return nil
}

// Stop ends the watch; it must be called once.
func (s *watcherAdapter) Stop() {
	close(s.done)
	s.w.Stop()
}
