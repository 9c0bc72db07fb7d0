package server

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"

	"github.com/google/uuid"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/wharfhq/wharf/apiserver/internal/codec"
	"github.com/wharfhq/wharf/apiserver/internal/storage"
	"github.com/wharfhq/wharf/proto/api"
)

// maxNameAttempts bounds generateName retries on collisions.
const maxNameAttempts = 8

// nameChars are the characters upstream uses for generated name suffixes.
const nameChars = "bcdfghjklmnpqrstvwxz2456789"

func randomSuffix() string {
	b := make([]byte, 5)
	for i := range b {
		b[i] = nameChars[rand.IntN(len(nameChars))]
	}
	return string(b)
}

func isDryRun(hr *http.Request) (bool, error) {
	for _, v := range hr.URL.Query()["dryRun"] {
		if v != "All" {
			return false, apierrors.NewBadRequest(fmt.Sprintf("unsupported dryRun value %q; the only supported value is All", v))
		}
		return true, nil
	}
	return false, nil
}

func (s *Server) handleCreate(w http.ResponseWriter, hr *http.Request, r *request) {
	if r.name != "" || r.subresource != "" {
		s.writeError(w, hr, apierrors.NewMethodNotSupported(r.gr(), "create"))
		return
	}
	dry, err := isDryRun(hr)
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	obj, err := s.decodeObject(w, hr, r)
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	it, err := s.createObject(hr.Context(), r, obj, dry)
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	s.writeItem(w, hr, r, http.StatusCreated, it)
}

// create stores a new object (used at start-up).
func (s *Server) create(ctx context.Context, r *request, obj api.Object) (item, error) {
	return s.createObject(ctx, r, obj, false)
}

// createObject fills in system fields, prepares and validates obj and
// stores it, generating a name from generateName when asked.
func (s *Server) createObject(ctx context.Context, r *request, obj api.Object, dryRun bool) (item, error) {
	if r.info.Namespaced {
		if err := s.checkNamespaceActive(ctx, r, obj.GetName()); err != nil {
			return item{}, err
		}
	}
	obj.GetObjectKind().SetGroupVersionKind(r.info.GVK())
	obj.SetUID(types.UID(uuid.NewString()))
	obj.SetCreationTimestamp(metav1.NewTime(s.cfg.Clock().Truncate(1e9)))
	obj.SetResourceVersion("")
	obj.SetDeletionTimestamp(nil)
	obj.SetDeletionGracePeriodSeconds(nil)
	obj.SetSelfLink("")
	st := s.strategy(r.info)
	st.PrepareForCreate(obj)
	generated := obj.GetName() == "" && obj.GetGenerateName() != ""
	if obj.GetName() == "" && !generated {
		return item{}, apierrors.NewInvalid(r.info.GVK().GroupKind(), "", field.ErrorList{
			field.Required(field.NewPath("metadata", "name"), "name or generateName is required")})
	}
	for attempt := 0; ; attempt++ {
		if generated {
			obj.SetName(obj.GetGenerateName() + randomSuffix())
		}
		if errs := st.Validate(obj); len(errs) > 0 {
			return item{}, apierrors.NewInvalid(r.info.GVK().GroupKind(), obj.GetName(), errs)
		}
		if dryRun {
			return item{obj: obj}, nil
		}
		finish, err := s.admit(ctx, OpCreate, r.info, obj, nil)
		if err != nil {
			return item{}, err
		}
		val, err := codec.Encode(r.info, obj)
		if err != nil {
			finish(ctx, false)
			return item{}, err
		}
		rev, err := s.store.Create(ctx, codec.Key(r.info, obj.GetNamespace(), obj.GetName()), val)
		finish(ctx, err == nil)
		if errors.Is(err, storage.ErrExists) && generated && attempt < maxNameAttempts {
			continue
		}
		if err != nil {
			return item{}, storageError(err, r, obj.GetName())
		}
		s.settle(ctx, r.info, rev)
		if raw := withRV(val, rev); raw != nil {
			return item{raw: raw}, nil
		}
		obj.SetResourceVersion(fmt.Sprint(rev))
		return item{obj: obj}, nil
	}
}

var namespacesInfo = func() *api.Info {
	i, _ := api.Lookup("", "v1", "namespaces")
	return i
}()

// checkNamespaceActive refuses writes into a missing (404) or terminating
// (403) namespace, as upstream's NamespaceLifecycle admission.
func (s *Server) checkNamespaceActive(ctx context.Context, r *request, name string) error {
	ns, err := s.namespace(ctx, r.namespace)
	if err != nil {
		return err
	}
	if ns.DeletionTimestamp != nil || ns.Status.Phase == corev1.NamespaceTerminating {
		return apierrors.NewForbidden(r.gr(), name, fmt.Errorf("unable to create new content in namespace %s because it is being terminated", r.namespace))
	}
	return nil
}

// namespace reads a namespace from the watch cache, or from etcd when the
// cache does not have it (yet).
func (s *Server) namespace(ctx context.Context, name string) (*corev1.Namespace, error) {
	key := codec.Key(namespacesInfo, "", name)
	if c := s.cache(namespacesInfo); c != nil {
		if o, ok := c.Get(key); ok {
			if ns, ok := o.(*corev1.Namespace); ok {
				return ns, nil
			}
		}
	}
	kv, err := s.store.Get(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, apierrors.NewNotFound(namespacesInfo.GVR().GroupResource(), name)
	}
	if err != nil {
		return nil, fmt.Errorf("read namespace %q: %w", name, err)
	}
	o, err := codec.Decode(namespacesInfo, kv)
	if err != nil {
		return nil, err
	}
	return o.(*corev1.Namespace), nil
}
