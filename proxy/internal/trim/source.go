package trim

import (
	"context"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/wharfhq/wharf/proto/api"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
)

// Func returns the reduced form of obj. It may return obj itself, edited.
type Func[T api.Object] func(obj T) T

// Source wraps lw so that listed and watched objects pass through fn.
func Source[T api.Object](lw informer.ListerWatcher[T], fn Func[T]) informer.ListerWatcher[T] {
	return source[T]{lw: lw, fn: fn}
}

type source[T api.Object] struct {
	lw informer.ListerWatcher[T]
	fn Func[T]
}

func (s source[T]) List(ctx context.Context, opts metav1.ListOptions) (*client.List[T], error) {
	l, err := s.lw.List(ctx, opts)
	if err != nil || l == nil {
		return l, err
	}
	for i, o := range l.Items {
		l.Items[i] = s.fn(o)
	}
	return l, nil
}

func (s source[T]) Watch(ctx context.Context, opts metav1.ListOptions) (informer.Watcher[T], error) {
	inner, err := s.lw.Watch(ctx, opts)
	if err != nil {
		return nil, err
	}
	w := &watcher[T]{inner: inner, events: make(chan client.Event[T]), stop: make(chan struct{}), done: make(chan struct{})}
	go w.forward(s.fn)
	return w, nil
}

// watcher passes the events of inner through fn.
type watcher[T api.Object] struct {
	inner    informer.Watcher[T]
	events   chan client.Event[T]
	stop     chan struct{}
	done     chan struct{} // closed when forward returns
	stopOnce sync.Once
}

func (w *watcher[T]) forward(fn Func[T]) {
	defer close(w.done)
	defer close(w.events)
	for {
		var ev client.Event[T]
		var ok bool
		select {
		case ev, ok = <-w.inner.Events():
		case <-w.stop:
			return
		}
		if !ok {
			return
		}
		if ev.Type != watch.Bookmark && ev.Type != watch.Error && ev.Status == nil {
			ev.Object = fn(ev.Object)
		}
		select {
		case w.events <- ev:
		case <-w.stop:
			return
		}
	}
}

// Events is the trimmed event stream; it closes when the inner one does
// or after Stop.
func (w *watcher[T]) Events() <-chan client.Event[T] { return w.events }

// Stop stops the inner watch and waits for the forwarding goroutine.
func (w *watcher[T]) Stop() {
	w.stopOnce.Do(func() {
		close(w.stop)
		w.inner.Stop()
	})
	<-w.done
}

// Err is the inner watch's Err, if it has one.
func (w *watcher[T]) Err() error {
	if e, ok := w.inner.(interface{ Err() error }); ok {
		return e.Err()
	}
	return nil
}
