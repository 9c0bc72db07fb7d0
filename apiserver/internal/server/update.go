package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"

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

// guaranteedUpdate reads the object, applies mutate, prepares and
// validates the result and writes it with a revision compare, retrying on
// conflicts unless the result pins a resourceVersion that is no longer
// current (then 409 Conflict). A result with no finalizers left for an
// object being deleted with no grace period deletes it instead.
func (s *Server) guaranteedUpdate(ctx context.Context, r *request, name string, o updateOpts, mutate mutateFunc) (item, error) {
	key := codec.Key(r.info, r.namespace, name)
	for attempt := 0; ; attempt++ {
		kv, err := s.store.Get(ctx, key)
		if err != nil {
			return item{}, storageError(err, r, name)
		}
		cur, err := codec.Decode(r.info, kv)
		if err != nil {
			return item{}, err
		}
		old := cur.DeepCopyObject().(api.Object)
		obj, err := mutate(cur)
		if err != nil {
			return item{}, err
		}
		pinned := obj.GetResourceVersion() != ""
		if pinned && obj.GetResourceVersion() != old.GetResourceVersion() {
			return item{}, apierrors.NewConflict(r.gr(), name, errors.New(conflictMsg))
		}
		if !o.raw {
			if err := s.prepareUpdate(r, obj, old, o.status); err != nil {
				return item{}, err
			}
		}
		if o.dryRun {
			return item{obj: obj}, nil
		}
		if deleteOnUpdate(r.info, obj, old) {
			return s.deleteStored(ctx, r, name, kv)
		}
		it, err := s.admittedUpdate(ctx, r, obj, old, kv, o.raw)
		if errors.Is(err, storage.ErrConflict) && !pinned && attempt < maxUpdateAttempts {
			continue
		}
		if err != nil {
			return item{}, storageError(err, r, name)
		}
		return it, nil
	}
}

// admittedUpdate passes obj through admission (unless raw) and stores it.
func (s *Server) admittedUpdate(ctx context.Context, r *request, obj, old api.Object, kv storage.KV, raw bool) (item, error) {
	if raw {
		return s.writeUpdate(ctx, r, obj, kv)
	}
	finish, err := s.admit(ctx, OpUpdate, r.info, obj, old)
	if err != nil {
		return item{}, err
	}
	it, err := s.writeUpdate(ctx, r, obj, kv)
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

// writeUpdate stores obj over kv unless nothing changed.
func (s *Server) writeUpdate(ctx context.Context, r *request, obj api.Object, kv storage.KV) (item, error) {
	val, err := codec.Encode(r.info, obj)
	if err != nil {
		return item{}, err
	}
	if bytes.Equal(val, kv.Value) {
		return storedItem(r, kv)
	}
	rev, err := s.store.Update(ctx, kv.Key, val, kv.ModRevision)
	if err != nil {
		return item{}, err
	}
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
