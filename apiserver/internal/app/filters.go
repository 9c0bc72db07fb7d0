package app

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/wharfhq/wharf/apiserver/internal/authn"
	"github.com/wharfhq/wharf/apiserver/internal/authz"
)

// withAuth authenticates every request (401 without a valid credential)
// and authorizes it (403 unless allowed) before next sees it. next finds
// the user with authn.UserFrom.
func withAuth(log *slog.Logger, an authn.Authenticator, az authz.Authorizer, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok, err := an.Authenticate(r)
		if ok {
			setAuditUser(r.Context(), u.Name, u.Groups)
		}
		if err != nil || !ok {
			if err != nil {
				log.Debug("authentication failed", "path", r.URL.Path, "err", err)
			}
			writeStatus(w, http.StatusUnauthorized, "Unauthorized", "Unauthorized")
			return
		}
		a := authz.Resolve(r)
		a.User = u
		if d, why := az.Authorize(r.Context(), a); d != authz.Allow {
			writeForbidden(w, a, why)
			return
		}
		next.ServeHTTP(w, r.WithContext(authn.WithUser(r.Context(), u)))
	})
}

// withUnsecured serves next as system:unsecured (system:masters), the
// identity of the insecure port.
func withUnsecured(next http.Handler) http.Handler {
	u := &authn.User{Name: authn.UserUnsecured, Groups: []string{authn.GroupMasters, authn.GroupAuthenticated}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setAuditUser(r.Context(), u.Name, u.Groups)
		next.ServeHTTP(w, r.WithContext(authn.WithUser(r.Context(), u)))
	})
}

// writeForbidden writes upstream's 403 Status for a.
func writeForbidden(w http.ResponseWriter, a authz.Attributes, why string) {
	msg := authz.ForbiddenMessage(a)
	if why != "" {
		msg += ": " + why
	}
	var gr schema.GroupResource
	if a.ResourceRequest {
		gr = schema.GroupResource{Group: a.APIGroup, Resource: a.Resource}
	}
	st := apierrors.NewForbidden(gr, a.Name, errors.New(msg)).ErrStatus
	st.Kind, st.APIVersion = "Status", "v1"
	b, _ := json.Marshal(st)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write(b)
}
