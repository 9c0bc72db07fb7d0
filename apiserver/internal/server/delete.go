package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/internal/codec"
	"github.com/wharfhq/wharf/apiserver/internal/storage"
	"github.com/wharfhq/wharf/proto/api"
)

// Finalizers the apiserver adds for propagation policies; the garbage
// collector removes them.
const (
	orphanFinalizer     = "orphan"
	foregroundFinalizer = "foregroundDeletion"
)

// deleteOptions reads DeleteOptions from the body (if any) and the query.
func (s *Server) deleteOptions(w http.ResponseWriter, hr *http.Request) (*metav1.DeleteOptions, error) {
	body, err := s.readBody(w, hr)
	if err != nil {
		return nil, err
	}
	opts := &metav1.DeleteOptions{}
	if len(body) > 0 {
		if body, err = s.toJSON(mediaType(hr), body); err != nil {
			return nil, err
		}
		if err := decodeJSON(body, opts); err != nil {
			return nil, err
		}
	}
	q := hr.URL.Query()
	if g := q.Get("gracePeriodSeconds"); g != "" {
		n, err := strconv.ParseInt(g, 10, 64)
		if err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid gracePeriodSeconds %q", g))
		}
		opts.GracePeriodSeconds = &n
	}
	if p := q.Get("propagationPolicy"); p != "" {
		pp := metav1.DeletionPropagation(p)
		opts.PropagationPolicy = &pp
	}
	if q.Has("dryRun") {
		opts.DryRun = q["dryRun"]
	}
	if pp := opts.PropagationPolicy; pp != nil && *pp != metav1.DeletePropagationOrphan &&
		*pp != metav1.DeletePropagationBackground && *pp != metav1.DeletePropagationForeground {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("propagationPolicy: Unsupported value: %q: supported values: \"Foreground\", \"Background\", \"Orphan\"", *pp))
	}
	if opts.OrphanDependents != nil && opts.PropagationPolicy == nil && *opts.OrphanDependents {
		pp := metav1.DeletePropagationOrphan
		opts.PropagationPolicy = &pp
	}
	for _, d := range opts.DryRun {
		if d != "All" {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("unsupported dryRun value %q", d))
		}
	}
	return opts, nil
}

func (s *Server) handleDelete(w http.ResponseWriter, hr *http.Request, r *request) {
	if r.subresource != "" {
		s.writeError(w, hr, apierrors.NewMethodNotSupported(r.gr(), "delete"))
		return
	}
	opts, err := s.deleteOptions(w, hr)
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	it, err := s.deleteObject(hr.Context(), r, r.name, opts)
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	s.writeItem(w, hr, r, http.StatusOK, it)
}

// deleteObject deletes an object now, or marks it for deletion (sets
// deletionTimestamp) when finalizers or a grace period hold it back.
func (s *Server) deleteObject(ctx context.Context, r *request, name string, opts *metav1.DeleteOptions) (item, error) {
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
		if err := checkPreconditions(r, cur, opts.Preconditions); err != nil {
			return item{}, err
		}
		if len(opts.DryRun) > 0 {
			return item{obj: cur}, nil
		}
		grace := gracePeriod(cur, opts)
		var it item
		if marked, changed := s.markDeleting(cur, grace, opts.PropagationPolicy); marked {
			if !changed {
				return item{obj: cur}, nil
			}
			it, err = s.writeUpdate(ctx, r, cur, current{kv: kv})
		} else {
			it, err = s.deleteStored(ctx, r, name, kv)
		}
		if errors.Is(err, storage.ErrConflict) && attempt < maxUpdateAttempts {
			continue
		}
		if err != nil {
			return item{}, storageError(err, r, name)
		}
		return it, nil
	}
}

// deleteStored removes kv if it is still at its revision; the result is
// the object as it was, at the deletion's revision.
func (s *Server) deleteStored(ctx context.Context, r *request, name string, kv storage.KV) (item, error) {
	del, err := s.store.Delete(ctx, kv.Key, kv.ModRevision)
	if err != nil {
		return item{}, err
	}
	s.settle(ctx, r.info, del.ModRevision)
	if s.cfg.Admission != nil {
		if obj, err := codec.Decode(r.info, kv); err == nil {
			s.cfg.Admission.Deleted(ctx, r.info, obj)
		}
	}
	return storedItem(r, storage.KV{Key: kv.Key, Value: kv.Value, ModRevision: del.ModRevision})
}

func checkPreconditions(r *request, cur api.Object, p *metav1.Preconditions) error {
	if p == nil {
		return nil
	}
	if p.UID != nil && *p.UID != cur.GetUID() {
		return apierrors.NewConflict(r.gr(), cur.GetName(), fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", *p.UID, cur.GetUID()))
	}
	if p.ResourceVersion != nil && *p.ResourceVersion != cur.GetResourceVersion() {
		return apierrors.NewConflict(r.gr(), cur.GetName(), fmt.Errorf("Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *p.ResourceVersion, cur.GetResourceVersion()))
	}
	return nil
}

// gracePeriod is the deletion grace period of obj: pods bound to a node get
// their terminationGracePeriodSeconds (or the requested period), everything
// else is deleted without one.
func gracePeriod(obj api.Object, opts *metav1.DeleteOptions) int64 {
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return 0
	}
	if opts.GracePeriodSeconds != nil {
		return max(*opts.GracePeriodSeconds, 0)
	}
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		return max(*pod.Spec.TerminationGracePeriodSeconds, 0)
	}
	return corev1.DefaultTerminationGracePeriodSeconds
}

// markDeleting sets obj's deletion fields and policy finalizer when
// finalizers or a grace period keep it; marked is false when it can be
// deleted now, changed says obj was modified.
func (s *Server) markDeleting(obj api.Object, grace int64, policy *metav1.DeletionPropagation) (marked, changed bool) {
	fins := obj.GetFinalizers()
	if policy != nil && obj.GetDeletionTimestamp() == nil {
		switch *policy {
		case metav1.DeletePropagationOrphan:
			fins = addString(fins, orphanFinalizer)
		case metav1.DeletePropagationForeground:
			fins = addString(fins, foregroundFinalizer)
		}
	}
	obj.SetFinalizers(fins)
	if grace == 0 && finalized(obj) {
		return false, false
	}
	if old := obj.GetDeletionGracePeriodSeconds(); obj.GetDeletionTimestamp() != nil && old != nil && *old <= grace {
		return true, false
	}
	ts := metav1.NewTime(s.cfg.Clock().Add(time.Duration(grace) * time.Second).Truncate(time.Second))
	obj.SetDeletionTimestamp(&ts)
	obj.SetDeletionGracePeriodSeconds(&grace)
	if ns, ok := obj.(*corev1.Namespace); ok {
		ns.Status.Phase = corev1.NamespaceTerminating
	}
	return true, true
}

func addString(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func (s *Server) handleDeleteCollection(w http.ResponseWriter, hr *http.Request, r *request) {
	opts, err := s.deleteOptions(w, hr)
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	p, err := parseListParams(r, hr.URL.Query())
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	p.limit, p.cont = 0, ""
	lm, items, err := s.listStore(hr.Context(), r, p)
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	deleted := make([]item, 0, len(items))
	for i := range items {
		o, err := items[i].object(r.info)
		if err != nil {
			s.writeError(w, hr, err)
			return
		}
		one := *r
		one.namespace = o.GetNamespace()
		it, err := s.deleteObject(hr.Context(), &one, o.GetName(), opts)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			s.writeError(w, hr, err)
			return
		}
		deleted = append(deleted, it)
	}
	s.writeList(w, hr, r, lm, deleted)
}
