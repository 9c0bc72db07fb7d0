package server

import (
	"net/http"
	"net/url"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/wharfhq/wharf/apiserver/internal/authz/requestinfo"
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
func parsePath(method, group, version, rest string, q url.Values) (*request, error) {
	p := requestinfo.SplitResource(rest)
	if p.Resource == "" || len(p.Extra) > 0 {
		return nil, apierrors.NewNotFound(schema.GroupResource{Group: group}, "")
	}
	r := &request{namespace: p.Namespace}
	if group == "" && p.Resource == "bindings" && r.namespace != "" && p.Name == "" && p.Subresource == "" {
		info, _ := api.Lookup("", "v1", "pods")
		r.info, r.bindings, r.subresource, r.verb = info, true, "binding", "create"
		return r, nil
	}
	info, ok := api.Lookup(group, version, p.Resource)
	if !ok {
		return nil, apierrors.NewNotFound(schema.GroupResource{Group: group, Resource: p.Resource}, "")
	}
	r.info, r.name, r.subresource = info, p.Name, p.Subresource
	if r.subresource != "" && !info.HasSubresource(r.subresource) && !(r.subresource == "scale" && scalable(info)) {
		return nil, apierrors.NewNotFound(schema.GroupResource{Group: group, Resource: p.Resource + "/" + r.subresource}, r.name)
	}
	if !info.Namespaced && r.namespace != "" {
		return nil, apierrors.NewNotFound(r.gr(), r.name)
	}
	r.verb = requestinfo.Verb(method, r.name != "", p.WatchPrefix || isTrue(q.Get("watch")))
	if info.Namespaced && r.namespace == "" && r.verb != "list" && r.verb != "watch" {
		// Only list and watch span all namespaces.
		return nil, apierrors.NewNotFound(r.gr(), r.name)
	}
	return r, nil
}

// isTrue reports whether a boolean query parameter is set.
func isTrue(s string) bool { return requestinfo.IsTrue(s) }

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
		s.cfg.Metrics.ObserveRequest(requestinfo.Verb(hr.Method, false, false), group, "", "", sw.code, time.Since(start))
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
