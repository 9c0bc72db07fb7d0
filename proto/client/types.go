package client

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/wharfhq/wharf/proto/api"
)

// List is one page of a typed list.
type List[T api.Object] struct {
	Items           []T
	ResourceVersion string
	// Continue is the token for the next page; empty on the last page.
	Continue           string
	RemainingItemCount *int64
}

// Event is one decoded watch event. For ERROR events Object is the zero
// value and Status says what went wrong (410 Gone: re-list).
type Event[T api.Object] struct {
	Type   watch.EventType
	Object T
	Status *metav1.Status
}
