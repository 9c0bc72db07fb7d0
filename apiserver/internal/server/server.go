package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"time"

	"github.com/go-chi/chi/v5"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/wharfhq/wharf/apiserver/internal/registry"
	"github.com/wharfhq/wharf/apiserver/internal/storage"
	"github.com/wharfhq/wharf/apiserver/internal/watchcache"
	"github.com/wharfhq/wharf/proto/api"
)

// kvStore is the etcd key/value store the handlers write through;
// *storage.Store satisfies it.
type kvStore interface {
	Create(ctx context.Context, key string, value []byte) (int64, error)
	Get(ctx context.Context, key string) (storage.KV, error)
	List(ctx context.Context, prefix string, opts storage.ListOptions) (storage.ListResult, error)
	Update(ctx context.Context, key string, value []byte, expectedRev int64) (int64, error)
	Delete(ctx context.Context, key string, expectedRev int64) (storage.KV, error)
	CurrentRevision(ctx context.Context) (int64, error)
}

// objectCache is one resource's watch cache as the handlers use it (see
// cacheAdapter). Objects it returns are shared and must not be modified.
type objectCache interface {
	Revision() int64
	WaitForRevision(ctx context.Context, rev int64) error
	Get(key string) (api.Object, bool)
	// GetKV is Get with the stored value and mod revision; ok is false if
	// the cache does not have them.
	GetKV(key string) (kv storage.KV, obj api.Object, ok bool)
	List(keyPrefix string) ([]api.Object, int64)
	// Watch streams events after fromRev under keyPrefix that pass filter.
	// It returns an error wrapping errTooOld when fromRev is no longer kept.
	// Watch streams changes under keyPrefix that pass sel.
	Watch(ctx context.Context, fromRev int64, keyPrefix string, sel *selector) (eventStream, error)
}

// eventStream is one open watch on an objectCache.
type eventStream interface {
	// Events is closed when the watch ends; Err then says why (nil when
	// stopped or when ctx ended).
	Events() <-chan watchEvent
	Err() error
	Stop()
}

// watchEvent is one watch event. Frame returns the pre-encoded
// `{"type":..,"object":..}\n` line.
type watchEvent struct {
	Type     watch.EventType
	Object   api.Object
	Revision int64
	Frame    func() []byte
}

// errTooOld is wrapped by objectCache.Watch errors for revisions the cache no
// longer keeps. An error that also has an Oldest() int64 method reports the
// oldest revision still available.
var errTooOld = errors.New("server: resource version too old")

// Recorder receives request metrics; *metrics.Metrics satisfies it.
type Recorder interface {
	ObserveRequest(verb, group, resource, subresource string, code int, d time.Duration)
	WatchOpened(group, resource string)
	WatchClosed(group, resource string)
}

// Config is what New needs.
type Config struct {
	Store *storage.Store
	// Caches holds one watch cache per resource, by plural name. A
	// resource without one is served from etcd (watch is then 405).
	Caches map[string]*watchcache.Cache
	// Strategy returns the strategy of a resource; registry.For if nil.
	Strategy func(*api.Info) registry.Strategy
	Metrics  Recorder     // optional
	Logger   *slog.Logger // optional
	// Clock is used for creationTimestamp/deletionTimestamp; time.Now if nil.
	Clock func() time.Time
	// MaxRequestBodyBytes caps request bodies (3 MiB if zero, as upstream).
	MaxRequestBodyBytes int64
	// Admission, if set, sees every create and update before it is
	// stored and every deletion after.
	Admission Admission
	// BookmarkInterval is how often watches with allowWatchBookmarks get a
	// BOOKMARK (one minute if zero).
	BookmarkInterval time.Duration
}

// Server serves the resource REST API. It is safe for concurrent use.
type Server struct {
	cfg        Config
	store      kvStore
	caches     map[string]objectCache
	log        *slog.Logger
	strategies map[*api.Info]registry.Strategy
	protobuf   *protobufDecoder
}

// New checks cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("server: Config.Store is required")
	}
	if cfg.Strategy == nil {
		cfg.Strategy = registry.For
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.MaxRequestBodyBytes <= 0 {
		cfg.MaxRequestBodyBytes = 3 << 20
	}
	if cfg.BookmarkInterval <= 0 {
		cfg.BookmarkInterval = time.Minute
	}
	if cfg.Metrics == nil {
		cfg.Metrics = nopRecorder{}
	}
	pb, err := newProtobufDecoder()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, store: cfg.Store, caches: map[string]objectCache{}, log: cfg.Logger,
		strategies: map[*api.Info]registry.Strategy{}, protobuf: pb}
	for res, c := range cfg.Caches {
		if c != nil {
			s.caches[res] = cacheAdapter{c}
		}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, info := range api.All() {
		st := cfg.Strategy(info)
		if st == nil {
			return nil, fmt.Errorf("server: no strategy for %s", info.Resource)
		}
		s.strategies[info] = st
	}
	return s, nil
}

// Register mounts the resource routes on r: /api/v1/... and
// /apis/{group}/{version}/... (discovery documents are mounted elsewhere).
func (s *Server) Register(r chi.Router) {
	r.HandleFunc("/api/v1/*", func(w http.ResponseWriter, req *http.Request) {
		s.serve(w, req, "", "v1", chi.URLParam(req, "*"))
	})
	r.HandleFunc("/apis/{group}/{version}/*", func(w http.ResponseWriter, req *http.Request) {
		s.serve(w, req, chi.URLParam(req, "group"), chi.URLParam(req, "version"), chi.URLParam(req, "*"))
	})
}

// CreateIfMissing stores obj, a catalogued kind (found by its
// apiVersion/kind, or by its Go type when those are unset), unless an
// object of that name already exists.
func (s *Server) CreateIfMissing(ctx context.Context, obj api.Object) error {
	info, ok := infoOf(obj)
	if !ok {
		return fmt.Errorf("create %T %q: kind not served", obj, obj.GetName())
	}
	_, err := s.create(ctx, &request{info: info, namespace: obj.GetNamespace()}, obj)
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create %s %q: %w", info.Kind, obj.GetName(), err)
	}
	return nil
}

// Reconcile stores obj if no object of its name exists; otherwise merge
// gets a private copy of the stored object and returns the object to
// store and whether it differs, and only a changed object is written
// (with the usual revision compare and retries). Bootstrap objects such
// as the default RBAC roles are kept up to date this way.
func (s *Server) Reconcile(ctx context.Context, obj api.Object, merge func(cur api.Object) (api.Object, bool)) error {
	info, ok := infoOf(obj)
	if !ok {
		return fmt.Errorf("reconcile %T %q: kind not served", obj, obj.GetName())
	}
	r := &request{verb: "create", info: info, namespace: obj.GetNamespace()}
	_, err := s.create(ctx, r, obj)
	if !apierrors.IsAlreadyExists(err) {
		if err != nil {
			return fmt.Errorf("create %s %q: %w", info.Kind, obj.GetName(), err)
		}
		return nil
	}
	unchanged := false
	r.verb = "update"
	_, err = s.guaranteedUpdate(ctx, r, obj.GetName(), updateOpts{}, func(cur api.Object) (api.Object, error) {
		out, changed := merge(cur)
		if unchanged = !changed; unchanged {
			return nil, errNothingToReconcile
		}
		return out, nil
	})
	if err != nil && !unchanged {
		return fmt.Errorf("reconcile %s %q: %w", info.Kind, obj.GetName(), err)
	}
	return nil
}

// errNothingToReconcile ends a Reconcile update that has nothing to write.
var errNothingToReconcile = errors.New("server: nothing to reconcile")

func infoOf(obj api.Object) (*api.Info, bool) {
	gvk := obj.GetObjectKind().GroupVersionKind()
	if gvk.Kind != "" {
		return api.LookupKind(gvk.GroupVersion().String(), gvk.Kind)
	}
	t := reflect.TypeOf(obj)
	for _, info := range api.All() {
		if reflect.TypeOf(info.New()) == t {
			return info, true
		}
	}
	return nil, false
}

func (s *Server) strategy(info *api.Info) registry.Strategy { return s.strategies[info] }

func (s *Server) cache(info *api.Info) objectCache { return s.caches[info.Resource] }

type nopRecorder struct{}

func (nopRecorder) ObserveRequest(string, string, string, string, int, time.Duration) {}
func (nopRecorder) WatchOpened(string, string)                                        {}
func (nopRecorder) WatchClosed(string, string)                                        {}
