package reviews

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	authnv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/wharfhq/wharf/apiserver/internal/authn"
	"github.com/wharfhq/wharf/apiserver/internal/wire"
)

// selfSubjectReview answers "who am I": the caller's user info.
func (h *Handler) selfSubjectReview(w http.ResponseWriter, r *http.Request) {
	u, ok := caller(w, r)
	if !ok {
		return
	}
	var rev authnv1.SelfSubjectReview
	if err := h.cfg.Codec.Decode(w, r, authnv1.SchemeGroupVersion.WithKind("SelfSubjectReview"), &rev); err != nil {
		wire.WriteError(w, err)
		return
	}
	rev.Status.UserInfo = userInfo(u)
	wire.WriteObject(w, http.StatusCreated, &rev)
}

// tokenReview authenticates spec.token as a bearer token of this
// apiserver would be, for spec.audiences (the API audiences if empty).
func (h *Handler) tokenReview(w http.ResponseWriter, r *http.Request) {
	var rev authnv1.TokenReview
	if err := h.cfg.Codec.Decode(w, r, authnv1.SchemeGroupVersion.WithKind("TokenReview"), &rev); err != nil {
		wire.WriteError(w, err)
		return
	}
	if rev.Spec.Token == "" {
		wire.WriteError(w, apierrors.NewBadRequest("token is required for TokenReview in authentication"))
		return
	}
	rev.Status = h.reviewToken(r, rev.Spec)
	wire.WriteObject(w, http.StatusCreated, &rev)
}

func (h *Handler) reviewToken(r *http.Request, spec authnv1.TokenReviewSpec) authnv1.TokenReviewStatus {
	if h.cfg.Tokens == nil {
		return authnv1.TokenReviewStatus{Error: "token authentication is not enabled"}
	}
	// As upstream: the token goes through the request authenticators in
	// a request of its own, one without a client certificate.
	fake, err := http.NewRequestWithContext(r.Context(), http.MethodGet, "/", nil)
	if err != nil {
		return authnv1.TokenReviewStatus{Error: err.Error()}
	}
	fake.Header.Set("Authorization", "Bearer "+strings.TrimSpace(spec.Token))
	u, ok, err := h.cfg.Tokens.Authenticate(fake)
	switch {
	case err != nil:
		return authnv1.TokenReviewStatus{Error: err.Error()}
	case !ok || u == nil:
		return authnv1.TokenReviewStatus{Error: "invalid bearer token"}
	}
	want := spec.Audiences
	if len(want) == 0 {
		want = h.cfg.Audiences
	}
	auds := intersect(want, h.cfg.Audiences)
	if len(want) > 0 && len(auds) == 0 {
		return authnv1.TokenReviewStatus{Error: fmt.Sprintf("token audiences %q is invalid for the target audiences %q", h.cfg.Audiences, want)}
	}
	return authnv1.TokenReviewStatus{Authenticated: true, User: userInfo(u), Audiences: auds}
}

func userInfo(u *authn.User) authnv1.UserInfo {
	return authnv1.UserInfo{Username: u.Name, UID: u.UID, Groups: slices.Clone(u.Groups)}
}

// intersect returns the members of a that are in b, in a's order.
func intersect(a, b []string) []string {
	var out []string
	for _, s := range a {
		if slices.Contains(b, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
