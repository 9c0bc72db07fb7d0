package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/wharfhq/wharf/proto/api"
)

// Resource is a typed handle on one API resource, optionally bound to a
// namespace. It is immutable and safe for concurrent use. T is the
// resource's object type (*corev1.Pod...) or *unstructured.Unstructured.
type Resource[T api.Object] struct {
	c            *Client
	info         *api.Info
	ns           string
	unstructured bool
}

// NewResource returns a handle on the resource info describes, across all
// namespaces (see Namespace).
func NewResource[T api.Object](c *Client, info *api.Info) *Resource[T] {
	var zero T
	_, u := any(zero).(*unstructured.Unstructured)
	return &Resource[T]{c: c, info: info, unstructured: u}
}

// Namespace returns a copy of r bound to ns. "" means all namespaces for
// List, Watch and DeleteCollection; Create then takes the object's own
// namespace. Cluster-scoped resources ignore ns.
func (r *Resource[T]) Namespace(ns string) *Resource[T] {
	cp := *r
	cp.ns = ns
	return &cp
}

// Info returns the resource's catalogue entry.
func (r *Resource[T]) Info() *api.Info { return r.info }

// Get fetches one object by name.
func (r *Resource[T]) Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error) {
	var zero T
	p, err := r.itemPath(r.ns, name)
	if err != nil {
		return zero, err
	}
	q, err := query(&opts)
	if err != nil {
		return zero, err
	}
	return r.doObject(ctx, &Request{Method: http.MethodGet, Path: p, Query: q})
}

// Create posts obj to the collection. The namespace is r's, or the
// object's when r has none.
func (r *Resource[T]) Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error) {
	var zero T
	if isNil(obj) {
		return zero, fmt.Errorf("client: create %s: nil object", r.info.Resource)
	}
	ns := r.nsFor(obj)
	if r.info.Namespaced && ns == "" {
		return zero, badRequest("create %s: namespace required", r.info.Resource)
	}
	return r.write(ctx, http.MethodPost, r.collectionPath(ns), obj, &opts)
}

// Update replaces obj (found by its name) with a PUT.
func (r *Resource[T]) Update(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error) {
	return r.put(ctx, obj, &opts)
}

// UpdateStatus replaces obj's status through the status subresource.
func (r *Resource[T]) UpdateStatus(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error) {
	return r.put(ctx, obj, &opts, "status")
}

func (r *Resource[T]) put(ctx context.Context, obj T, opts *metav1.UpdateOptions, sub ...string) (T, error) {
	var zero T
	if isNil(obj) {
		return zero, fmt.Errorf("client: update %s: nil object", r.info.Resource)
	}
	p, err := r.itemPath(r.nsFor(obj), obj.GetName(), sub...)
	if err != nil {
		return zero, err
	}
	return r.write(ctx, http.MethodPut, p, obj, opts)
}

// Patch applies data of patch type pt to the named object or one of its
// subresources ("status", "scale").
func (r *Resource[T]) Patch(ctx context.Context, name string, pt types.PatchType, data []byte,
	opts metav1.PatchOptions, subresources ...string) (T, error) {
	var zero T
	p, err := r.itemPath(r.ns, name, subresources...)
	if err != nil {
		return zero, err
	}
	q, err := query(&opts)
	if err != nil {
		return zero, err
	}
	if pt == "" {
		return zero, badRequest("patch %s %q: no patch type", r.info.Resource, name)
	}
	return r.doObject(ctx, &Request{Method: http.MethodPatch, Path: p, Query: q, Body: data, ContentType: string(pt)})
}

// Delete deletes the named object; opts travel as the JSON body, as
// client-go sends them.
func (r *Resource[T]) Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error {
	p, err := r.itemPath(r.ns, name)
	if err != nil {
		return err
	}
	body, err := r.deleteBody(opts)
	if err != nil {
		return err
	}
	_, err = r.c.Do(ctx, &Request{Method: http.MethodDelete, Path: p, Body: body})
	return err
}

// DeleteCollection deletes every object listOpts selects in r's namespace
// ("" = all namespaces).
func (r *Resource[T]) DeleteCollection(ctx context.Context, opts metav1.DeleteOptions, listOpts metav1.ListOptions) error {
	req, err := r.collectionRequest(http.MethodDelete, &listOpts)
	if err != nil {
		return err
	}
	if req.Body, err = r.deleteBody(opts); err != nil {
		return err
	}
	_, err = r.c.Do(ctx, req)
	return err
}

func (r *Resource[T]) deleteBody(opts metav1.DeleteOptions) ([]byte, error) {
	if opts.Kind == "" {
		opts.Kind = "DeleteOptions"
		opts.APIVersion = r.info.APIVersion()
	}
	b, err := json.Marshal(&opts)
	if err != nil {
		return nil, fmt.Errorf("client: encoding DeleteOptions: %w", err)
	}
	return b, nil
}

// write sends obj as the JSON body of method to path and decodes the reply.
func (r *Resource[T]) write(ctx context.Context, method, path string, obj T, opts any) (T, error) {
	var zero T
	body, err := json.Marshal(obj)
	if err != nil {
		return zero, fmt.Errorf("client: encoding %s: %w", r.info.Kind, err)
	}
	q, err := query(opts)
	if err != nil {
		return zero, err
	}
	return r.doObject(ctx, &Request{Method: method, Path: path, Query: q, Body: body})
}

// doObject performs req and decodes the response body as one T.
func (r *Resource[T]) doObject(ctx context.Context, req *Request) (T, error) {
	var zero T
	resp, err := r.c.Do(ctx, req)
	if err != nil {
		return zero, err
	}
	obj, err := r.decode(resp.Body)
	if err != nil {
		return zero, fmt.Errorf("%s %s: decoding %s: %w", req.Method, req.Path, r.info.Kind, err)
	}
	return obj, nil
}

// nsFor is the namespace a write of obj goes to.
func (r *Resource[T]) nsFor(obj T) string {
	if r.ns != "" {
		return r.ns
	}
	return obj.GetNamespace()
}

// groupPrefix is "/api/v1" for the core group and "/apis/<g>/<v>" otherwise.
func groupPrefix(info *api.Info) string {
	if info.Group == "" {
		return "/api/" + info.Version
	}
	return "/apis/" + info.Group + "/" + info.Version
}

func (r *Resource[T]) collectionPath(ns string) string {
	p := groupPrefix(r.info)
	if r.info.Namespaced && ns != "" {
		p += "/namespaces/" + ns
	}
	return p + "/" + r.info.Resource
}

// scopePath is the collection path for list, watch and deletecollection
// in r's namespace ("" = all namespaces).
func (r *Resource[T]) scopePath() (string, error) {
	if r.info.Namespaced && r.ns != "" {
		if err := checkSegment("namespace", r.ns); err != nil {
			return "", err
		}
	}
	return r.collectionPath(r.ns), nil
}

// collectionRequest is a request on the collection in r's namespace ("" =
// all namespaces) with listOpts as query parameters: list, watch and
// deletecollection.
func (r *Resource[T]) collectionRequest(method string, listOpts *metav1.ListOptions) (*Request, error) {
	q, err := query(listOpts)
	if err != nil {
		return nil, err
	}
	p, err := r.scopePath()
	if err != nil {
		return nil, err
	}
	return &Request{Method: method, Path: p, Query: q}, nil
}

// itemPath is the path of one named object (and subresource); a namespaced
// resource needs a namespace.
func (r *Resource[T]) itemPath(ns, name string, sub ...string) (string, error) {
	if err := checkSegment("name", name); err != nil {
		return "", err
	}
	if r.info.Namespaced {
		if ns == "" {
			return "", badRequest("%s %q: namespace required", r.info.Resource, name)
		}
		if err := checkSegment("namespace", ns); err != nil {
			return "", err
		}
	}
	p := r.collectionPath(ns) + "/" + name
	for _, s := range sub {
		if err := checkSegment("subresource", s); err != nil {
			return "", err
		}
		p += "/" + s
	}
	return p, nil
}

// checkSegment rejects values that would change the URL's shape.
func checkSegment(what, s string) error {
	if s == "" {
		return badRequest("%s must not be empty", what)
	}
	if s == "." || s == ".." || strings.ContainsAny(s, "/%?#") {
		return badRequest("invalid %s %q: may not be '.', '..' or contain '/', '%%', '?', '#'", what, s)
	}
	return nil
}

// badRequest is a client-side validation error that apierrors.IsBadRequest
// recognises.
func badRequest(format string, args ...any) error {
	return apierrors.NewBadRequest("client: " + fmt.Sprintf(format, args...))
}

// isNil reports whether obj is a nil interface or nil pointer.
func isNil(obj any) bool {
	if obj == nil {
		return true
	}
	v := reflect.ValueOf(obj)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
