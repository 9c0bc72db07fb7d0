package informer

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/api"
	"github.com/wharfhq/wharf/proto/client"
)

// ListerWatcher is where an Informer gets its objects from: a typed
// resource of the apiserver (see FromResource) or a fake in tests.
type ListerWatcher[T api.Object] interface {
	// List returns one page of objects; opts.Limit and opts.Continue page.
	List(ctx context.Context, opts metav1.ListOptions) (*client.List[T], error)
	// Watch streams changes after opts.ResourceVersion.
	Watch(ctx context.Context, opts metav1.ListOptions) (Watcher[T], error)
}

// Watcher is an open watch stream. Events closes when the stream ends.
// If it also has an `Err() error` method, the Informer logs why it ended.
type Watcher[T api.Object] interface {
	Events() <-chan client.Event[T]
	Stop()
}

// FromResource adapts a typed client resource (for example
// client.Pods(c, "")) to a ListerWatcher.
func FromResource[T api.Object](r *client.Resource[T]) ListerWatcher[T] {
	return resourceSource[T]{r: r}
}

type resourceSource[T api.Object] struct{ r *client.Resource[T] }

func (s resourceSource[T]) List(ctx context.Context, opts metav1.ListOptions) (*client.List[T], error) {
	return s.r.List(ctx, opts)
}

func (s resourceSource[T]) Watch(ctx context.Context, opts metav1.ListOptions) (Watcher[T], error) {
	w, err := s.r.Watch(ctx, opts)
	if err != nil {
		return nil, err
	}
	return w, nil
}

// The client's watch is a Watcher and reports why it ended.
var _ interface {
	Watcher[api.Object]
	Err() error
} = (*client.Watch[api.Object])(nil)
