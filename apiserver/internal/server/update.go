package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/wharfhq/wharf/apiserver/internal/codec"
	"github.com/wharfhq/wharf/apiserver/internal/storage"
	"github.com/wharfhq/wharf/proto/api"
)

// maxUpdateAttempts bounds read-modify-write retries on storage conflicts.
const maxUpdateAttempts = 64

// mutateFunc returns the desired object given cur, a private copy of the
// stored object that it may modify and return.
type mutateFunc func(cur api.Object) (api.Object, error)

// updateOpts tune guaranteedUpdate.
type updateOpts struct {
	// status selects PrepareForStatusUpdate instead of PrepareForUpdate.
	status bool
	// raw skips the strategy (internal changes such as deletion marks).
	raw    bool
	dryRun bool
}

// errStaleCache ends an update attempt that started from the watch cache
// and found nothing to write: a cached object may be stale, so only etcd
// can confirm that the update is a no-op.
var errStaleCache = errors.New("server: no-op update from the watch cache")

// current is the object an update attempt starts from: its stored form and
// a private decoded copy. cached objects come from the watch cache and may
// be stale; the write's revision compare catches that.
type current struct {
	kv     storage.KV
	obj    api.Object
	cached bool
}

// readCurrent returns the object under key, from the watch cache when
// fromCache and the cache has it, else from etcd.
func (s *Server) readCurrent(ctx context.Context, r *request, key string, fromCache bool) (current, error) {
	if c := s.cache(r.info); fromCache && c != nil {
		if kv, obj, ok := c.GetKV(key); ok {
			if cp, ok := obj.DeepCopyObject().(api.Object); ok {
				return current{kv: kv, obj: cp, cached: true}, nil
			}
		}
	}
	kv, err := s.store.Get(ctx, key)
	if err != nil {
		return current{}, err
	}
	return decodeCurrent(r.info, kv)
}

func decodeCurrent(info *api.Info, kv storage.KV) (current, error) {
	obj, err := codec.Decode(info, kv)
	return current{kv: kv, obj: obj}, err
}

// guaranteedUpdate reads the object, applies mutate, prepares and
// validates the result and writes it with a revision compare, retrying on
// conflicts unless the result pins a resourceVersion that is no longer
// current (then 409 Conflict). A result with no finalizers left for an
// object being deleted with no grace period deletes it instead.
//
// The first attempt starts from the watch cache's copy (except for dry
// runs). Only a write whose revision compare succeeded is trusted from
// it: any other outcome (conflict, error, no-op) is decided again from
// etcd's current value, so answers stay exactly those of an etcd read.
func (s *Server) guaranteedUpdate(ctx context.Context, r *request, name string, o updateOpts, mutate mutateFunc) (item, error) {
	key := codec.Key(r.info, r.namespace, name)
	cur, err := s.readCurrent(ctx, r, key, !o.dryRun)
	for attempt := 0; ; attempt++ {
		if err != nil {
			return item{}, storageError(err, r, name)
		}
		// err stays the loop's one variable: a failed re-read below must
		// reach the check above, not a shadowed copy (a zero cur panics).
		var it item
		var pinned bool
		if it, pinned, err = s.updateOnce(ctx, r, name, o, cur, mutate); err == nil {
			return it, nil
		}
		var ce *storage.ConflictError
		switch {
		case attempt >= maxUpdateAttempts:
		case cur.cached:
			cur, err = s.readCurrent(ctx, r, key, false)
			continue
		case errors.As(err, &ce) && !pinned:
			cur, err = decodeCurrent(r.info, ce.Current)
			continue
		case errors.Is(err, storage.ErrConflict) && !pinned:
			cur, err = s.readCurrent(ctx, r, key, false)
			continue
		}
		return item{}, storageError(err, r, name)
	}
}

// updateOnce is one attempt of guaranteedUpdate from cur; pinned reports
// whether the desired object named a resourceVersion.
func (s *Server) updateOnce(ctx context.Context, r *request, name string, o updateOpts, cur current, mutate mutateFunc) (item, bool, error) {
	old := cur.obj.DeepCopyObject().(api.Object)
	obj, err := mutate(cur.obj)
	if err != nil {
		return item{}, false, err
	}
	pinned := obj.GetResourceVersion() != ""
	if pinned && obj.GetResourceVersion() != old.GetResourceVersion() {
		return item{}, true, apierrors.NewConflict(r.gr(), name, errors.New(conflictMsg))
	}
	if !o.raw {
		if err := s.prepareUpdate(r, obj, old, o.status); err != nil {
			return item{}, pinned, err
		}
	}
	if o.dryRun {
		return item{obj: obj}, pinned, nil
	}
	if deleteOnUpdate(r.info, obj, old) {
		it, err := s.deleteStored(ctx, r, name, cur.kv)
		return it, pinned, err
	}
	it, err := s.admittedUpdate(ctx, r, obj, old, cur, o.raw)
	return it, pinned, err
}

// admittedUpdate passes obj through admission (unless raw) and stores it.
func (s *Server) admittedUpdate(ctx context.Context, r *request, obj, old api.Object, cur current, raw bool) (item, error) {
	if raw {
		return s.writeUpdate(ctx, r, obj, cur)
	}
	finish, err := s.admit(ctx, OpUpdate, r.info, obj, old)
	if err != nil {
		return item{}, err
	}
	it, err := s.writeUpdate(ctx, r, obj, cur)
	finish(ctx, err == nil)
	return it, err
}

// prepareUpdate applies the strategy's update preparation and validation.
func (s *Server) prepareUpdate(r *request, obj, old api.Object, status bool) error {
	st := s.strategy(r.info)
	if status {
		st.PrepareForStatusUpdate(obj, old)
	} else {
		st.PrepareForUpdate(obj, old)
	}
	if errs := st.ValidateUpdate(obj, old); len(errs) > 0 {
		return apierrors.NewInvalid(r.info.GVK().GroupKind(), obj.GetName(), errs)
	}
	return nil
}

// writeUpdate stores obj over cur unless nothing changed (errStaleCache
// if cur is cached: etcd must confirm).
func (s *Server) writeUpdate(ctx context.Context, r *request, obj api.Object, cur current) (item, error) {
	kv := cur.kv
	val, err := codec.Encode(r.info, obj)
	if err != nil {
		return item{}, err
	}
	if bytes.Equal(val, kv.Value) {
		if cur.cached {
			return item{}, errStaleCache
		}
		return storedItem(r, kv)
	}
	rev, err := s.store.Update(ctx, kv.Key, val, kv.ModRevision)
	if err != nil {
		return item{}, err
	}
	s.settle(ctx, r.info, rev)
	return storedItem(r, storage.KV{Key: kv.Key, Value: val, ModRevision: rev})
}

// deleteOnUpdate reports whether an update removed the last finalizer of an
// object whose deletion is due now.
func deleteOnUpdate(info *api.Info, obj, old api.Object) bool {
	if old.GetDeletionTimestamp() == nil || !finalized(obj) {
		return false
	}
	g := old.GetDeletionGracePeriodSeconds()
	return g == nil || *g == 0
}

// finalized reports whether no finalizer holds obj back from deletion; for
// namespaces this includes spec.finalizers.
func finalized(obj api.Object) bool {
	if len(obj.GetFinalizers()) > 0 {
		return false
	}
	if ns, ok := obj.(*corev1.Namespace); ok {
		return len(ns.Spec.Finalizers) == 0
	}
	return true
}

// keepSystemFields copies what clients cannot change from old to obj.
func keepSystemFields(obj, old api.Object) {
	obj.SetUID(old.GetUID())
	obj.SetCreationTimestamp(old.GetCreationTimestamp())
	obj.SetDeletionTimestamp(old.GetDeletionTimestamp())
	obj.SetDeletionGracePeriodSeconds(old.GetDeletionGracePeriodSeconds())
	obj.SetSelfLink("")
	if obj.GetGenerateName() == "" {
		obj.SetGenerateName(old.GetGenerateName())
	}
}

func (s *Server) handleUpdate(w http.ResponseWriter, hr *http.Request, r *request) {
	if r.name == "" || (r.subresource != "" && r.subresource != "status") {
		s.writeError(w, hr, apierrors.NewMethodNotSupported(r.gr(), "update"))
		return
	}
	dry, err := isDryRun(hr)
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	obj, err := s.decodeObject(w, hr, r)
	if err == nil && obj.GetName() != r.name {
		err = apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", obj.GetName(), r.name))
	}
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	it, err := s.guaranteedUpdate(hr.Context(), r, r.name, updateOpts{status: r.subresource == "status", dryRun: dry},
		func(cur api.Object) (api.Object, error) {
			keepSystemFields(obj, cur)
			return obj, nil
		})
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	s.writeItem(w, hr, r, http.StatusOK, it)
}

// settle waits (briefly) until info's watch cache has seen rev when
// admission reads info from the cache (ResourceQuotas), so that requests
// after this write's response see it.
func (s *Server) settle(ctx context.Context, info *api.Info, rev int64) {
	c := s.cache(info)
	if info.Resource != "resourcequotas" || c == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := c.WaitForRevision(ctx, rev); err != nil {
		s.log.DebugContext(ctx, "watch cache did not reach a write", "resource", info.Resource, "rev", rev, "err", err)
	}
}
