package server

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/internal/storage"
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

func (a cacheAdapter) GetKV(key string) (storage.KV, api.Object, bool) { return a.c.GetKV(key) }

func (a cacheAdapter) List(prefix string) ([]api.Object, int64) { return a.c.List(prefix) }

func (a cacheAdapter) Watch(ctx context.Context, from int64, prefix string, sel *selector) (eventStream, error) {
	var opts []watchcache.WatchOption
	if v, ok := sel.trigger(); ok {
		opts = append(opts, watchcache.WithTrigger(v))
	}
	w, err := a.c.Watch(ctx, from, prefix, sel.matches, opts...)
	if errors.Is(err, watchcache.ErrTooLarge) {
		// As upstream: the client asked for a revision the cache has not
		// reached in time; it may retry.
		st := apierrors.NewTimeoutError(fmt.Sprintf("Too large resource version: %d, current: %d", from, a.c.Revision()), 1)
		st.ErrStatus.Details.Causes = []metav1.StatusCause{{Type: metav1.CauseTypeResourceVersionTooLarge, Message: "Too large resource version"}}
		return nil, st
	}
	if errors.Is(err, watchcache.ErrStopped) {
		return nil, apierrors.NewServiceUnavailable("the watch cache is stopping")
	}
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
