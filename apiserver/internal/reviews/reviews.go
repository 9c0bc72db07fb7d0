package reviews

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/wharfhq/wharf/apiserver/internal/authn"
	"github.com/wharfhq/wharf/apiserver/internal/authz"
	"github.com/wharfhq/wharf/apiserver/internal/wire"
	"github.com/wharfhq/wharf/proto/api"
)

// API groups served here.
const (
	AuthenticationGroup = "authentication.k8s.io"
	AuthorizationGroup  = "authorization.k8s.io"
)

// Config is what New needs.
type Config struct {
	// Codec decodes request bodies.
	Codec *wire.Codec
	// Authorizer answers access reviews; authz.AlwaysAllow if nil.
	Authorizer authz.Authorizer
	// Rules answers rules reviews; with nil, answers are empty and
	// marked incomplete.
	Rules authz.RuleResolver
	// Tokens authenticates the bearer tokens of token reviews (static
	// token file, ServiceAccount JWTs; no anonymous fallback). With nil,
	// no token is authenticated.
	Tokens authn.Authenticator
	// Audiences are the API audiences: tokens are valid for them and
	// token reviews without spec.audiences ask for them.
	Audiences []string
}

// Handler serves the review APIs. It is safe for concurrent use.
type Handler struct {
	cfg Config
}

// New returns a Handler.
func New(cfg Config) *Handler {
	if cfg.Authorizer == nil {
		cfg.Authorizer = authz.AlwaysAllow{}
	}
	return &Handler{cfg: cfg}
}

// Resources are the review resources for discovery; each supports only
// the verb "create".
func Resources() []*api.Info {
	return []*api.Info{
		{Group: AuthenticationGroup, Version: "v1", Resource: "selfsubjectreviews", Singular: "selfsubjectreview", Kind: "SelfSubjectReview"},
		{Group: AuthenticationGroup, Version: "v1", Resource: "tokenreviews", Singular: "tokenreview", Kind: "TokenReview"},
		{Group: AuthorizationGroup, Version: "v1", Resource: "localsubjectaccessreviews", Singular: "localsubjectaccessreview", Kind: "LocalSubjectAccessReview", Namespaced: true},
		{Group: AuthorizationGroup, Version: "v1", Resource: "selfsubjectaccessreviews", Singular: "selfsubjectaccessreview", Kind: "SelfSubjectAccessReview"},
		{Group: AuthorizationGroup, Version: "v1", Resource: "selfsubjectrulesreviews", Singular: "selfsubjectrulesreview", Kind: "SelfSubjectRulesReview"},
		{Group: AuthorizationGroup, Version: "v1", Resource: "subjectaccessreviews", Singular: "subjectaccessreview", Kind: "SubjectAccessReview"},
	}
}

// Register mounts the review routes on r. They must win over the
// generic /apis/{group}/{version}/* resource routes, which chi's static
// segments do.
func (h *Handler) Register(r chi.Router) {
	const authnPrefix, authzPrefix = "/apis/" + AuthenticationGroup + "/v1/", "/apis/" + AuthorizationGroup + "/v1/"
	routes := map[string]http.HandlerFunc{
		authnPrefix + "selfsubjectreviews":                        h.selfSubjectReview,
		authnPrefix + "tokenreviews":                              h.tokenReview,
		authzPrefix + "selfsubjectaccessreviews":                  h.selfSubjectAccessReview,
		authzPrefix + "subjectaccessreviews":                      h.subjectAccessReview,
		authzPrefix + "selfsubjectrulesreviews":                   h.selfSubjectRulesReview,
		authzPrefix + "namespaces/{ns}/localsubjectaccessreviews": h.localSubjectAccessReview,
	}
	for path, fn := range routes {
		r.HandleFunc(path, createOnly(path, fn))
	}
}

// createOnly answers anything but POST with upstream's 405 Status.
func createOnly(path string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			parts := strings.Split(path, "/") // "", "apis", group, version, ..., resource
			gr := schema.GroupResource{Group: parts[2], Resource: parts[len(parts)-1]}
			wire.WriteError(w, apierrors.NewMethodNotSupported(gr, r.Method))
			return
		}
		next(w, r)
	}
}

// caller is the authenticated user of r; 401 if there is none, which
// only a miswired server produces.
func caller(w http.ResponseWriter, r *http.Request) (*authn.User, bool) {
	u, ok := authn.UserFrom(r.Context())
	if !ok {
		wire.WriteError(w, apierrors.NewUnauthorized("no user on the request"))
	}
	return u, ok
}
