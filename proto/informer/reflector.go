package informer

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/clock"

	"github.com/wharfhq/wharf/proto/api"
	"github.com/wharfhq/wharf/proto/client"
)

// errGone means the resourceVersion we resume from is too old (410): the
// only way forward is a fresh list.
var errGone = errors.New("informer: resourceVersion expired")

// Watch timeouts are spread over 5..10 minutes, as client-go does, so
// that informers reconnect (and rebalance over apiservers) at different
// times.
const (
	minWatchTimeout = 5 * time.Minute
	maxWatchTimeout = 10 * time.Minute
)

// reflector is the list/watch loop of one Informer. It lives on the Run
// goroutine and owns the resync timer and the backoff.
type reflector[T api.Object] struct {
	inf     *Informer[T]
	backoff *backoff
	resync  clock.Timer // nil until the first list, or without resync
}

func (r *reflector[T]) run(ctx context.Context) {
	defer r.stopResync()
	needList := true
	for ctx.Err() == nil {
		if needList {
			if err := r.list(ctx); err != nil {
				if ctx.Err() == nil {
					r.inf.log.Warn("informer: list failed", "err", err)
					r.wait(ctx, r.backoff.next())
				}
				continue
			}
			needList = false
			r.armResync()
		}
		err := r.watch(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, errGone):
			r.inf.log.Info("informer: relisting", "reason", err, "resourceVersion", r.inf.LastSyncResourceVersion())
			needList = true
			continue
		case err != nil:
			r.inf.log.Warn("informer: watch ended", "err", err)
		default:
			r.inf.log.Debug("informer: watch closed; resuming", "resourceVersion", r.inf.LastSyncResourceVersion())
		}
		r.wait(ctx, r.backoff.next())
	}
}

// options returns fresh list options with the user's selectors applied.
func (r *reflector[T]) options() metav1.ListOptions {
	var opts metav1.ListOptions
	if f := r.inf.opts.ListOptions; f != nil {
		f(&opts)
	}
	opts.ResourceVersion = ""
	opts.ResourceVersionMatch = ""
	opts.Limit = 0
	opts.Continue = ""
	opts.Watch = false
	return opts
}

// list fetches every object and replaces the cache with them.
func (r *reflector[T]) list(ctx context.Context) error {
	items, rv, err := r.listAll(ctx)
	if err != nil {
		return err
	}
	r.inf.replace(items)
	r.inf.setLastRV(rv)
	r.inf.log.Debug("informer: listed", "objects", len(items), "resourceVersion", rv)
	return nil
}

// listAll lists page by page when PageSize is set. If a continue token
// expires mid-way it starts over with one unpaged list.
func (r *reflector[T]) listAll(ctx context.Context) ([]T, string, error) {
	opts := r.options()
	opts.Limit = max(r.inf.opts.PageSize, 0)
	var items []T
	for {
		page, err := r.inf.lw.List(ctx, opts)
		if err != nil {
			if opts.Continue != "" && isGone(err) {
				r.inf.log.Info("informer: continue token expired; listing without pages")
				opts, items = r.options(), nil
				continue
			}
			return nil, "", fmt.Errorf("informer: list: %w", err)
		}
		if page == nil {
			return nil, "", errors.New("informer: list returned no list")
		}
		items = append(items, page.Items...)
		if page.Continue == "" || opts.Limit == 0 {
			return items, page.ResourceVersion, nil
		}
		if page.Continue == opts.Continue {
			return nil, "", fmt.Errorf("informer: list: server repeated continue token %q", page.Continue)
		}
		opts.Continue = page.Continue
	}
}

// watch watches from the last resourceVersion until the stream ends. It
// returns errGone when a relist is needed, nil for a clean end.
func (r *reflector[T]) watch(ctx context.Context) error {
	opts := r.options()
	opts.ResourceVersion = r.inf.LastSyncResourceVersion()
	opts.AllowWatchBookmarks = true
	timeout := int64((minWatchTimeout + rand.N(maxWatchTimeout-minWatchTimeout)) / time.Second)
	opts.TimeoutSeconds = &timeout
	w, err := r.inf.lw.Watch(ctx, opts)
	if err != nil {
		if isGone(err) {
			return fmt.Errorf("%w: %w", errGone, err)
		}
		return fmt.Errorf("informer: watch: %w", err)
	}
	if isNil(w) {
		return errors.New("informer: watch returned no stream")
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.resyncC():
			r.doResync()
		case ev, ok := <-w.Events():
			if !ok {
				return streamErr(w)
			}
			if err := r.handle(ev); err != nil {
				return err
			}
		}
	}
}

// handle applies one watch event and advances the resourceVersion.
func (r *reflector[T]) handle(ev client.Event[T]) error {
	switch ev.Type {
	case watch.Added, watch.Modified, watch.Deleted:
		r.inf.apply(ev)
	case watch.Bookmark:
	case watch.Error:
		return statusErr(ev.Status)
	default:
		r.inf.log.Warn("informer: unknown watch event type; skipped", "type", ev.Type)
		return nil
	}
	if !isNil(ev.Object) {
		if rv := ev.Object.GetResourceVersion(); rv != "" {
			r.inf.setLastRV(rv)
		}
	}
	return nil
}

// wait sleeps for d unless ctx ends, serving resyncs meanwhile.
func (r *reflector[T]) wait(ctx context.Context, d time.Duration) {
	t := r.inf.clock.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
			return
		case <-r.resyncC():
			r.doResync()
		}
	}
}

func (r *reflector[T]) armResync() {
	r.stopResync()
	if p := r.inf.opts.ResyncPeriod; p > 0 {
		r.resync = r.inf.clock.NewTimer(p)
	}
}

func (r *reflector[T]) stopResync() {
	if r.resync != nil {
		r.resync.Stop()
		r.resync = nil
	}
}

func (r *reflector[T]) resyncC() <-chan time.Time {
	if r.resync == nil {
		return nil
	}
	return r.resync.C()
}

func (r *reflector[T]) doResync() {
	r.inf.resync()
	r.armResync()
}

// streamErr says why a watch stream ended, if the Watcher can tell.
func streamErr(w any) error {
	if e, ok := w.(interface{ Err() error }); ok {
		if err := e.Err(); err != nil {
			if isGone(err) {
				return fmt.Errorf("%w: %w", errGone, err)
			}
			return fmt.Errorf("informer: watch stream: %w", err)
		}
	}
	return nil
}

// statusErr turns the Status of an ERROR event into an error; 410 Gone
// and reason Expired become errGone.
func statusErr(st *metav1.Status) error {
	if st == nil {
		return errors.New("informer: watch ERROR event without status")
	}
	err := &apierrors.StatusError{ErrStatus: *st}
	if st.Code == 410 || st.Reason == metav1.StatusReasonExpired || st.Reason == metav1.StatusReasonGone {
		return fmt.Errorf("%w: %w", errGone, err)
	}
	return fmt.Errorf("informer: watch ERROR event: %w", err)
}

func isGone(err error) bool {
	return apierrors.IsGone(err) || apierrors.IsResourceExpired(err)
}
