package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/internal/discovery"
	"github.com/wharfhq/wharf/apiserver/internal/openapi"
	"github.com/wharfhq/wharf/apiserver/internal/server"
	"github.com/wharfhq/wharf/apiserver/internal/wire"
)

// router mounts every route on one chi router behind the logging and
// recovery middleware.
func (r *Running) router(srv *server.Server) (http.Handler, error) {
	disc, err := discovery.New(discovery.Config{Extra: append(reviewDiscovery(), eventsDiscovery())})
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	codec, err := wire.NewCodec(r.opts.MaxRequestBodyBytes)
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	oapi, err := openapi.New(nil)
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	mux := chi.NewRouter()
	mux.Use(logRequests(r.log), recoverPanics(r.log))
	mux.NotFound(writeStatusNotFound)
	disc.Register(mux)
	oapi.Register(mux)
	r.registerHealth(mux)
	mux.Handle("/metrics", r.metrics.Handler())
	if r.opts.Profiling {
		registerPprof(mux)
	}
	if r.sec != nil {
		mux.Post("/api/v1/namespaces/{ns}/serviceaccounts/{name}/token", r.serveTokenRequest)
	}
	r.registerReviews(mux, codec)
	r.registerEventsView(mux, srv, codec)
	r.kubeletTransport = newKubeletTransport(r.sec)
	mux.Get("/api/v1/namespaces/{ns}/pods/{name}/log", r.servePodLog)
	r.registerStreaming(mux)
	mux.HandleFunc("/api/v1/nodes/{name}/proxy/*", r.serveNodeProxy)
	srv.Register(mux)
	return mux, nil
}

// logRequests logs method, path, code and duration of every request at
// Debug. The wrapped writer keeps http.Flusher for watch streams.
func logRequests(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if !log.Enabled(req.Context(), slog.LevelDebug) {
				next.ServeHTTP(w, req)
				return
			}
			start := time.Now()
			ww := middleware.NewWrapResponseWriter(w, req.ProtoMajor)
			next.ServeHTTP(ww, req)
			code := ww.Status()
			if code == 0 {
				code = http.StatusOK
			}
			log.LogAttrs(req.Context(), slog.LevelDebug, "request",
				slog.String("method", req.Method), slog.String("path", req.URL.Path),
				slog.Int("code", code), slog.Duration("duration", time.Since(start)))
		})
	}
}

// recoverPanics turns a handler panic into a 500 Status and an Error log
// with the stack. http.ErrAbortHandler passes through, as net/http wants.
func recoverPanics(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			defer func() {
				p := recover()
				if p == nil {
					return
				}
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("handler panic", "method", req.Method, "path", req.URL.Path,
					"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				writeStatus(w, http.StatusInternalServerError, metav1.StatusReasonInternalError,
					"Internal error occurred: the server could not handle the request")
			}()
			next.ServeHTTP(w, req)
		})
	}
}

func writeStatusNotFound(w http.ResponseWriter, _ *http.Request) {
	writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, "the server could not find the requested resource")
}

// writeStatus writes an upstream-shaped failure Status.
func writeStatus(w http.ResponseWriter, code int, reason metav1.StatusReason, msg string) {
	st := metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure, Message: msg, Reason: reason, Code: int32(code),
	}
	b, _ := json.Marshal(st)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// registerHealth mounts /healthz, /livez and /readyz. livez only says the
// process serves; healthz and readyz also check etcd; readyz fails until
// Start has finished (caches synced, namespaces created) and after Close
// began.
func (r *Running) registerHealth(mux chi.Router) {
	mux.Get("/livez", func(w http.ResponseWriter, req *http.Request) { r.serveChecks(w, req, nil) })
	mux.Get("/healthz", func(w http.ResponseWriter, req *http.Request) {
		r.serveChecks(w, req, []check{{"etcd", r.checkEtcd}})
	})
	mux.Get("/readyz", func(w http.ResponseWriter, req *http.Request) {
		r.serveChecks(w, req, []check{{"etcd", r.checkEtcd}, {"informer-sync", r.checkReady}})
	})
}

type check struct {
	name string
	fn   func(context.Context) error
}

func (r *Running) checkEtcd(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err := r.store.CurrentRevision(ctx)
	return err
}

func (r *Running) checkReady(context.Context) error {
	if !r.ready.Load() {
		return fmt.Errorf("not ready")
	}
	return nil
}

// serveChecks answers "ok" (200) or the failed checks (500), listing
// every check when ?verbose is given, in upstream's format.
func (r *Running) serveChecks(w http.ResponseWriter, req *http.Request, checks []check) {
	failed := false
	body := "[+]ping ok\n"
	for _, c := range checks {
		if err := c.fn(req.Context()); err != nil {
			failed = true
			body += "[-]" + c.name + " failed: reason withheld\n"
			r.log.Debug("health check failed", "path", req.URL.Path, "check", c.name, "err", err)
			continue
		}
		body += "[+]" + c.name + " ok\n"
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	switch {
	case failed:
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(body + req.URL.Path[1:] + " check failed\n"))
	case req.URL.Query().Has("verbose"):
		_, _ = w.Write([]byte(body + req.URL.Path[1:] + " check passed\n"))
	default:
		_, _ = w.Write([]byte("ok"))
	}
}

// registerPprof mounts net/http/pprof's handlers under /debug/pprof/.
func registerPprof(mux chi.Router) {
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/{name}", pprof.Index)
}
