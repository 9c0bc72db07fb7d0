package client

import (
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/wharfhq/wharf/proto/api"
)

// decode unmarshals one object. Typed objects keep their TypeMeta as
// served; unstructured objects without apiVersion/kind (list items) get the
// resource's.
func (r *Resource[T]) decode(data []byte) (T, error) {
	var obj T
	if r.unstructured {
		u, err := r.decodeUnstructured(data)
		if err != nil {
			return obj, err
		}
		return any(u).(T), nil
	}
	if err := json.Unmarshal(data, &obj); err != nil {
		return obj, err
	}
	if isNil(obj) {
		return obj, fmt.Errorf("null object")
	}
	return obj, nil
}

func (r *Resource[T]) decodeUnstructured(data []byte) (*unstructured.Unstructured, error) {
	var m map[string]any
	if err := utiljson.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("null object")
	}
	u := &unstructured.Unstructured{Object: m}
	if u.GetKind() == "" {
		u.SetKind(r.info.Kind)
	}
	if u.GetAPIVersion() == "" {
		u.SetAPIVersion(r.info.APIVersion())
	}
	return u, nil
}

// listBody is the wire shape of every list, decoded in one pass straight
// into typed items.
type listBody[T any] struct {
	Metadata metav1.ListMeta `json:"metadata"`
	Items    []T             `json:"items"`
}

// decodeList decodes a list response.
func (r *Resource[T]) decodeList(data []byte) (*List[T], error) {
	if !r.unstructured {
		var lb listBody[T]
		if err := json.Unmarshal(data, &lb); err != nil {
			return nil, err
		}
		for i, it := range lb.Items {
			if isNil(it) {
				return nil, fmt.Errorf("list item %d is null", i)
			}
		}
		return newList(lb.Metadata, lb.Items), nil
	}
	var lb listBody[json.RawMessage]
	if err := json.Unmarshal(data, &lb); err != nil {
		return nil, err
	}
	items := make([]T, 0, len(lb.Items))
	for i, raw := range lb.Items {
		obj, err := r.decode(raw)
		if err != nil {
			return nil, fmt.Errorf("list item %d: %w", i, err)
		}
		items = append(items, obj)
	}
	return newList(lb.Metadata, items), nil
}

func newList[T api.Object](m metav1.ListMeta, items []T) *List[T] {
	return &List[T]{
		Items:              items,
		ResourceVersion:    m.ResourceVersion,
		Continue:           m.Continue,
		RemainingItemCount: m.RemainingItemCount,
	}
}
