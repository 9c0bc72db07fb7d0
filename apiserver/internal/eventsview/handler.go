package eventsview

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/wharfhq/wharf/apiserver/internal/wire"
	"github.com/wharfhq/wharf/proto/api"
)

// viewGVK is the kind the view serves.
var viewGVK = eventsv1.SchemeGroupVersion.WithKind("Event")

// Resource is the view's resource for discovery.
func Resource() *api.Info {
	return &api.Info{Group: Group, Version: "v1", Resource: "events", Singular: "event", Kind: "Event",
		Namespaced: true, ShortNames: []string{"ev"}}
}

// Config is what New needs.
type Config struct {
	// Core serves /api/v1/...events... (the resource server, without
	// authentication or authorization: requests reaching the view have
	// been authorized for events.k8s.io already).
	Core http.Handler
	// Codec decodes request bodies.
	Codec *wire.Codec
	// Logger is optional.
	Logger *slog.Logger
}

// Handler serves events.k8s.io/v1. It is safe for concurrent use.
type Handler struct {
	core  http.Handler
	codec *wire.Codec
	log   *slog.Logger
}

// New returns a Handler.
func New(cfg Config) *Handler {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{core: cfg.Core, codec: cfg.Codec, log: log}
}

// Register mounts the view on r; its static prefix wins over the
// generic /apis/{group}/{version}/* routes.
func (h *Handler) Register(r chi.Router) {
	r.HandleFunc("/apis/"+Group+"/v1/*", h.serve)
}

// target is a view request mapped onto the core API.
type target struct {
	path  string // /api/v1/[watch/][namespaces/<ns>/]events[/<name>]
	name  string
	query url.Values
	watch bool
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	t, err := mapRequest(chi.URLParam(r, "*"), r.URL.Query())
	if err != nil {
		wire.WriteError(w, err)
		return
	}
	var body []byte
	switch r.Method {
	case http.MethodPost, http.MethodPut:
		body, err = h.decodeBody(w, r)
	case http.MethodPatch:
		h.patch(w, r, t)
		return
	}
	if err != nil {
		wire.WriteError(w, err)
		return
	}
	h.forward(w, coreRequest(r, r.Method, t.path, t.query, body), t.watch)
}

// mapRequest maps the path below /apis/events.k8s.io/v1/ and the query
// onto the core API; paths that name no events are 404.
func mapRequest(rest string, q url.Values) (target, error) {
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	t := target{query: q, watch: q.Get("watch") == "1" || q.Get("watch") == "true"}
	if parts[0] == "watch" {
		t.watch, parts = true, parts[1:]
	}
	if len(parts) > 2 && parts[0] == "namespaces" && parts[1] != "" {
		parts = parts[2:]
	}
	if len(parts) == 0 || parts[0] != "events" || len(parts) > 2 {
		return t, apierrors.NewNotFound(schema.GroupResource{Group: Group, Resource: parts0(parts)}, "")
	}
	if len(parts) == 2 {
		t.name = parts[1]
	}
	t.path = "/api/v1/" + strings.Trim(rest, "/")
	if fs := q.Get("fieldSelector"); fs != "" {
		core, err := FieldSelector(fs)
		if err != nil {
			return t, apierrors.NewBadRequest(err.Error())
		}
		t.query = cloneValues(q)
		t.query.Set("fieldSelector", core)
	}
	return t, nil
}

func parts0(p []string) string {
	if len(p) == 0 {
		return ""
	}
	return p[0]
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// decodeBody reads a view Event (JSON, YAML or protobuf), checks it
// (strictly on create, as upstream) and returns its core form as JSON.
func (h *Handler) decodeBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	var e eventsv1.Event
	if err := h.codec.Decode(w, r, viewGVK, &e); err != nil {
		return nil, err
	}
	if r.Method == http.MethodPost {
		if err := validateCreate(&e); err != nil {
			return nil, err
		}
	}
	b, err := json.Marshal(ToCore(&e))
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	return b, nil
}

// coreRequest is r redirected to the core API: JSON answers (Tables and
// partial metadata when asked for), a JSON body, no chi routing state.
func coreRequest(r *http.Request, method, path string, q url.Values, body []byte) *http.Request {
	ctx := context.WithValue(r.Context(), chi.RouteCtxKey, nil)
	cr := r.Clone(ctx)
	cr.Method = method
	cr.URL.Path, cr.URL.RawPath, cr.URL.RawQuery = path, "", q.Encode()
	cr.RequestURI = cr.URL.RequestURI()
	cr.Header.Del("Accept-Encoding")
	if accept := r.Header.Get("Accept"); !strings.Contains(accept, "as=") {
		cr.Header.Set("Accept", "application/json")
	}
	cr.Body, cr.ContentLength, cr.GetBody = http.NoBody, 0, nil
	cr.Header.Del("Content-Type")
	if body != nil {
		cr.Body = io.NopCloser(bytes.NewReader(body))
		cr.ContentLength = int64(len(body))
		cr.Header.Set("Content-Type", "application/json")
		cr.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	return cr
}

// forward serves cr with the core server and converts its answer.
func (h *Handler) forward(w http.ResponseWriter, cr *http.Request, watch bool) {
	if watch {
		fw := newFrameWriter(w, h.log)
		h.core.ServeHTTP(fw, cr)
		fw.finish()
		return
	}
	bw := newBufferWriter()
	h.core.ServeHTTP(bw, cr)
	bw.writeTo(w, h.log)
}

func schemaGR() schema.GroupResource { return schema.GroupResource{Group: Group, Resource: "events"} }
