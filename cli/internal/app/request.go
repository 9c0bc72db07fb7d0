package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/wharfhq/wharf/cli/internal/resources"
	"github.com/wharfhq/wharf/proto/client"
)

// tableAccept is what kubectl sends to get server-side tables.
const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"

// resourcePath is the URL path of a resource collection or object. ns is
// ignored for cluster-scoped resources; "" lists all namespaces.
func resourcePath(r resources.Resource, ns, name string, sub ...string) string {
	var b strings.Builder
	if r.GroupVersion.Group == "" {
		b.WriteString("/api/" + r.GroupVersion.Version)
	} else {
		b.WriteString("/apis/" + r.GroupVersion.String())
	}
	if r.Namespaced && ns != "" {
		b.WriteString("/namespaces/" + url.PathEscape(ns))
	}
	b.WriteString("/" + r.Name)
	if name != "" {
		b.WriteString("/" + url.PathEscape(name))
	}
	for _, s := range sub {
		b.WriteString("/" + s)
	}
	return b.String()
}

// doJSON sends a request and decodes the JSON response into out (if non-nil).
func doJSON(ctx context.Context, cl *client.Client, req *client.Request, out any) error {
	if req.Accept == "" {
		req.Accept = "application/json"
	}
	resp, err := cl.Do(ctx, req)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	// utiljson keeps integers as int64 in maps, as unstructured expects.
	if err := utiljson.Unmarshal(resp.Body, out); err != nil {
		return fmt.Errorf("decoding the response to %s %s: %w", req.Method, req.Path, err)
	}
	return nil
}

// getObject fetches one object as unstructured JSON.
func getObject(ctx context.Context, cl *client.Client, r resources.Resource, ns, name string, sub ...string) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	err := doJSON(ctx, cl, &client.Request{Method: http.MethodGet, Path: resourcePath(r, ns, name, sub...)}, &u.Object)
	return u, err
}

// sendObject POSTs (name == "") or PUTs obj and returns the server's copy.
func sendObject(ctx context.Context, cl *client.Client, method string, r resources.Resource, ns string, obj *unstructured.Unstructured, query url.Values) (*unstructured.Unstructured, error) {
	body, err := json.Marshal(obj.Object)
	if err != nil {
		return nil, err
	}
	name := ""
	if method == http.MethodPut {
		name = obj.GetName()
	}
	out := &unstructured.Unstructured{}
	err = doJSON(ctx, cl, &client.Request{Method: method, Path: resourcePath(r, ns, name), Query: query,
		Body: body, ContentType: "application/json"}, &out.Object)
	return out, err
}

// patchObject PATCHes the named object.
func patchObject(ctx context.Context, cl *client.Client, r resources.Resource, ns, name, patchType string, patch []byte, sub ...string) (*unstructured.Unstructured, error) {
	out := &unstructured.Unstructured{}
	err := doJSON(ctx, cl, &client.Request{Method: http.MethodPatch, Path: resourcePath(r, ns, name, sub...),
		Body: patch, ContentType: patchType}, &out.Object)
	return out, err
}

// userError formats an error as kubectl prints it.
func userError(err error) string {
	var se *apierrors.StatusError
	if errors.As(err, &se) {
		st := se.ErrStatus
		reason := string(st.Reason)
		if reason == "" || reason == string(metav1.StatusReasonUnknown) {
			reason = http.StatusText(int(st.Code))
		}
		return fmt.Sprintf("Error from server (%s): %s", reason, st.Message)
	}
	return "error: " + err.Error()
}
