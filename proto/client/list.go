package client

import (
	"context"
	"fmt"
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// List fetches one page of objects in r's namespace ("" = all namespaces).
// Use opts.Limit and the returned Continue token to page.
func (r *Resource[T]) List(ctx context.Context, opts metav1.ListOptions) (*List[T], error) {
	opts.Watch = false
	req, err := r.collectionRequest(http.MethodGet, &opts)
	if err != nil {
		return nil, err
	}
	resp, err := r.c.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	l, err := r.decodeList(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: decoding %sList: %w", req.Path, r.info.Kind, err)
	}
	return l, nil
}
