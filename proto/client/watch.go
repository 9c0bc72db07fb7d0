package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/wharfhq/wharf/proto/api"
)

// Watch is an open watch stream. Events are delivered in server order on
// Events(); the channel closes when the server ends the stream, a frame
// fails to decode, ctx ends, or Stop is called. Err then says why (nil
// for a clean end of stream or Stop).
type Watch[T api.Object] struct {
	events   chan Event[T]
	body     io.ReadCloser
	cancel   context.CancelFunc
	stop     chan struct{}
	finished chan struct{}
	stopOnce sync.Once
	mu       sync.Mutex
	err      error // set by the reader goroutine before Events closes
}

// Watch starts watching r's namespace ("" = all namespaces) from
// opts.ResourceVersion. The HTTP stream stays open until Stop or ctx ends.
func (r *Resource[T]) Watch(ctx context.Context, opts metav1.ListOptions) (*Watch[T], error) {
	opts.Watch = true
	req, err := r.collectionRequest(http.MethodGet, &opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	body, err := r.c.Stream(ctx, req)
	if err != nil {
		cancel()
		return nil, err
	}
	w := &Watch[T]{
		events:   make(chan Event[T]),
		body:     body,
		cancel:   cancel,
		stop:     make(chan struct{}),
		finished: make(chan struct{}),
	}
	go w.run(ctx, r.decode)
	return w, nil
}

// Events returns the event channel.
func (w *Watch[T]) Events() <-chan Event[T] { return w.events }

// Stop ends the watch and waits until its reader has exited; Events is
// closed afterwards. It is safe to call more than once.
func (w *Watch[T]) Stop() {
	w.stopOnce.Do(func() {
		close(w.stop)
		w.cancel()
		w.body.Close()
	})
	<-w.finished
}

// Err returns why the stream ended; meaningful once Events is closed.
func (w *Watch[T]) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *Watch[T]) setErr(err error) {
	w.mu.Lock()
	w.err = err
	w.mu.Unlock()
}

// stopped reports whether Stop has been called.
func (w *Watch[T]) stopped() bool {
	select {
	case <-w.stop:
		return true
	default:
		return false
	}
}

// frame is one watch event on the wire.
type frame struct {
	Type   watch.EventType `json:"type"`
	Object json.RawMessage `json:"object"`
}

func (w *Watch[T]) run(ctx context.Context, decode func([]byte) (T, error)) {
	defer close(w.finished)
	defer close(w.events)
	defer w.body.Close()
	dec := json.NewDecoder(w.body)
	for {
		var f frame
		if err := dec.Decode(&f); err != nil {
			w.setErr(w.endError(ctx, err))
			return
		}
		ev, err := decodeEvent(f, decode)
		if err != nil {
			w.setErr(err)
			return
		}
		select {
		case w.events <- ev:
		case <-w.stop:
			return
		case <-ctx.Done():
			if !w.stopped() {
				w.setErr(ctx.Err())
			}
			return
		}
	}
}

// endError classifies a read error: nil after Stop or a clean EOF.
func (w *Watch[T]) endError(ctx context.Context, err error) error {
	if w.stopped() || errors.Is(err, io.EOF) {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("client: watch stream: %w", err)
}

func decodeEvent[T api.Object](f frame, decode func([]byte) (T, error)) (Event[T], error) {
	ev := Event[T]{Type: f.Type}
	switch f.Type {
	case watch.Added, watch.Modified, watch.Deleted, watch.Bookmark:
		obj, err := decode(f.Object)
		if err != nil {
			return ev, fmt.Errorf("client: watch: decoding %s object: %w", f.Type, err)
		}
		ev.Object = obj
	case watch.Error:
		var st metav1.Status
		if err := json.Unmarshal(f.Object, &st); err != nil {
			return ev, fmt.Errorf("client: watch: decoding ERROR status: %w", err)
		}
		ev.Status = &st
	default:
		return ev, fmt.Errorf("client: watch: unknown event type %q", f.Type)
	}
	return ev, nil
}
