package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	sigsjson "sigs.k8s.io/json"

	"github.com/wharfhq/wharf/apiserver/internal/wire"
	"github.com/wharfhq/wharf/proto/api"
)

// readBody reads the request body, refusing more than MaxRequestBodyBytes
// with 413.
func (s *Server) readBody(w http.ResponseWriter, hr *http.Request) ([]byte, error) {
	return wire.ReadBody(w, hr, s.cfg.MaxRequestBodyBytes)
}

// mediaType returns the request's Content-Type without parameters.
func mediaType(hr *http.Request) string { return wire.MediaType(hr) }

// toJSON converts a JSON, YAML or protobuf body to JSON; other media
// types are 415.
func (s *Server) toJSON(mt string, body []byte) ([]byte, error) {
	return wire.ToJSON(mt, body, s.protobuf.toJSON)
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
func checkKind(info *api.Info, obj api.Object) error { return wire.CheckKind(info.GVK(), obj) }

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
