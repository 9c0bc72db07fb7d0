package server

import (
	"net/http"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/wharfhq/wharf/proto/api"
)

// request is a parsed resource URL.
type request struct {
	info        *api.Info
	namespace   string
	name        string
	subresource string
	verb        string // upstream verb: get, list, watch, create, update, patch, delete, deletecollection
	// bindings is set for POST /api/v1/namespaces/<ns>/bindings.
	bindings bool
}

func (r *request) gr() schema.GroupResource { return r.info.GVR().GroupResource() }

// parsePath resolves the path below /api/v1 or /apis/<group>/<version>.
func parsePath(method, group, version, rest string, q map[string][]string) (*request, error) {
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	watchPath := false
	if len(parts) > 0 && parts[0] == "watch" {
		watchPath, parts = true, parts[1:]
	}
	r := &request{}
	if len(parts) > 1 && parts[0] == "namespaces" {
		// namespaces/<ns>/<res>[/<name>[/<sub>]], except namespace
		// subresources: namespaces/<ns>/status|finalize.
		if len(parts) > 2 && parts[2] != "status" && parts[2] != "finalize" {
			r.namespace, parts = parts[1], parts[2:]
		}
	}
	if len(parts) == 0 || parts[0] == "" || len(parts) > 3 {
		return nil, apierrors.NewNotFound(schema.GroupResource{Group: group}, "")
	}
	res := parts[0]
	if group == "" && res == "bindings" && r.namespace != "" && len(parts) == 1 {
		info, _ := api.Lookup("", "v1", "pods")
		r.info, r.bindings, r.subresource, r.verb = info, true, "binding", "create"
		return r, nil
	}
	info, ok := api.Lookup(group, version, res)
	if !ok {
		return nil, apierrors.NewNotFound(schema.GroupResource{Group: group, Resource: res}, "")
	}
	r.info = info
	if len(parts) > 1 {
		r.name = parts[1]
	}
	if len(parts) > 2 {
		r.subresource = parts[2]
		if !info.HasSubresource(r.subresource) && !(r.subresource == "scale" && scalable(info)) {
			return nil, apierrors.NewNotFound(schema.GroupResource{Group: group, Resource: res + "/" + r.subresource}, r.name)
		}
	}
	if !info.Namespaced && r.namespace != "" {
		return nil, apierrors.NewNotFound(r.gr(), r.name)
	}
	r.verb = verbOf(method, r.name != "", watchPath || isTrue(first(q["watch"])))
	if info.Namespaced && r.namespace == "" && r.verb != "list" && r.verb != "watch" {
		// Only list and watch span all namespaces.
		return nil, apierrors.NewNotFound(r.gr(), r.name)
	}
	return r, nil
}

func verbOf(method string, named, watching bool) string {
	switch method {
	case http.MethodGet, http.MethodHead:
		switch {
		case watching:
			return "watch"
		case named:
			return "get"
		}
		return "list"
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		if named {
			return "delete"
		}
		return "deletecollection"
	}
	return strings.ToLower(method)
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func isTrue(s string) bool { return s == "1" || s == "true" || s == "True" }

// statusWriter records the response code for metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush makes streaming work through the wrapper.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// serve parses the request, dispatches it and records metrics.
func (s *Server) serve(w http.ResponseWriter, hr *http.Request, group, version, rest string) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	req, err := parsePath(hr.Method, group, version, rest, hr.URL.Query())
	if err != nil {
		s.writeError(sw, hr, err)
		s.cfg.Metrics.ObserveRequest(verbOf(hr.Method, false, false), group, "", "", sw.code, time.Since(start))
		return
	}
	s.dispatch(sw, hr, req)
	s.cfg.Metrics.ObserveRequest(req.verb, req.info.Group, req.info.Resource, req.subresource, sw.code, time.Since(start))
}

func (s *Server) dispatch(w http.ResponseWriter, hr *http.Request, r *request) {
	switch {
	case r.bindings || r.subresource == "binding":
		s.handleBinding(w, hr, r)
	case r.subresource == "scale":
		s.handleScale(w, hr, r)
	case r.subresource == "eviction":
		s.handleEviction(w, hr, r)
	case r.subresource == "finalize":
		s.handleFinalize(w, hr, r)
	case r.subresource != "" && r.subresource != "status":
		s.writeError(w, hr, apierrors.NewMethodNotSupported(r.gr(), hr.Method))
	default:
		s.handleResource(w, hr, r)
	}
}

func (s *Server) handleResource(w http.ResponseWriter, hr *http.Request, r *request) {
	switch r.verb {
	case "get":
		s.handleGet(w, hr, r)
	case "list":
		s.handleList(w, hr, r)
	case "watch":
		s.handleWatch(w, hr, r)
	case "create":
		s.handleCreate(w, hr, r)
	case "update":
		s.handleUpdate(w, hr, r)
	case "patch":
		s.handlePatch(w, hr, r)
	case "delete":
		s.handleDelete(w, hr, r)
	case "deletecollection":
		s.handleDeleteCollection(w, hr, r)
	default:
		s.writeError(w, hr, apierrors.NewMethodNotSupported(r.gr(), hr.Method))
	}
}
