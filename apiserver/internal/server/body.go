package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"github.com/wharfhq/wharf/proto/api"
)

// readBody reads the request body, refusing more than MaxRequestBodyBytes
// with 413.
func (s *Server) readBody(w http.ResponseWriter, hr *http.Request) ([]byte, error) {
	max := s.cfg.MaxRequestBodyBytes
	if hr.ContentLength > max {
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", max))
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, hr.Body, max))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", max))
	}
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("unable to read request body: %v", err))
	}
	return b, nil
}

// mediaType returns the request's Content-Type without parameters.
func mediaType(hr *http.Request) string {
	ct := hr.Header.Get("Content-Type")
	if ct == "" {
		return "application/json"
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ct
	}
	return mt
}

// toJSON converts a JSON, YAML or protobuf body to JSON; other media
// types are 415.
func (s *Server) toJSON(mt string, body []byte) ([]byte, error) {
	switch mt {
	case "application/json", "*/*":
		return body, nil
	case protobufMediaType:
		return s.protobuf.toJSON(body)
	case "application/yaml", "application/x-yaml", "text/yaml":
		j, err := yaml.YAMLToJSON(body)
		if err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("error converting YAML to JSON: %v", err))
		}
		return j, nil
	}
	return nil, newUnsupportedMediaType(mt, []string{"application/json", "application/yaml", protobufMediaType})
}

// fieldValidation returns the request's fieldValidation directive.
func fieldValidation(hr *http.Request) (string, error) {
	v := hr.URL.Query().Get("fieldValidation")
	switch v {
	case "":
		return "Warn", nil
	case "Ignore", "Warn", "Strict":
		return v, nil
	}
	return "", apierrors.NewBadRequest(fmt.Sprintf("fieldValidation must be one of Ignore, Warn, or Strict, got %q", v))
}

// decodeInto decodes JSON data into out, applying the request's field
// validation directive: Strict rejects unknown and duplicate fields, Warn
// reports them in Warning headers.
func decodeInto(w http.ResponseWriter, hr *http.Request, data []byte, out any) error {
	directive, err := fieldValidation(hr)
	if err != nil {
		return err
	}
	strictErrs, err := sigsjson.UnmarshalStrict(data, out)
	if err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("error decoding request body: %v", err))
	}
	if len(strictErrs) == 0 {
		return nil
	}
	switch directive {
	case "Strict":
		msgs := make([]string, len(strictErrs))
		for i, e := range strictErrs {
			msgs[i] = e.Error()
		}
		return apierrors.NewBadRequest("strict decoding error: " + strings.Join(msgs, ", "))
	case "Warn":
		for _, e := range strictErrs {
			w.Header().Add("Warning", "299 - "+strconv.Quote(e.Error()))
		}
	}
	return nil
}

// decodeObject reads and decodes the request body as an object of r's
// resource, checks apiVersion/kind against the URL and fills in or checks
// the namespace.
func (s *Server) decodeObject(w http.ResponseWriter, hr *http.Request, r *request) (api.Object, error) {
	body, err := s.readBody(w, hr)
	if err != nil {
		return nil, err
	}
	data, err := s.toJSON(mediaType(hr), body)
	if err != nil {
		return nil, err
	}
	obj := r.info.New()
	if err := decodeInto(w, hr, data, obj); err != nil {
		return nil, err
	}
	if err := checkKind(r.info, obj); err != nil {
		return nil, err
	}
	return obj, checkNamespace(r, obj)
}

// checkKind accepts an object whose apiVersion/kind are the resource's (or
// unset, then filled in).
func checkKind(info *api.Info, obj api.Object) error {
	gvk := obj.GetObjectKind().GroupVersionKind()
	av := gvk.GroupVersion().String()
	if gvk.Kind == "" && gvk.Version == "" {
		obj.GetObjectKind().SetGroupVersionKind(info.GVK())
		return nil
	}
	if av != info.APIVersion() {
		return apierrors.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", av, info.APIVersion()))
	}
	if gvk.Kind != info.Kind {
		return apierrors.NewBadRequest(fmt.Sprintf("the kind in the data (%s) does not match the expected kind (%s)", gvk.Kind, info.Kind))
	}
	return nil
}

// checkNamespace makes obj's namespace the request's: an empty one is
// filled in, a different one is 400.
func checkNamespace(r *request, obj api.Object) error {
	if !r.info.Namespaced {
		obj.SetNamespace("")
		return nil
	}
	switch obj.GetNamespace() {
	case "":
		obj.SetNamespace(r.namespace)
	case r.namespace:
	default:
		return apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	return nil
}

// decodeJSON decodes a small JSON body (options, Scale, Binding).
func decodeJSON(data []byte, out any) error {
	if err := json.Unmarshal(data, out); err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("error decoding request body: %v", err))
	}
	return nil
}
