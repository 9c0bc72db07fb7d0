package app

import (
	"github.com/go-chi/chi/v5"

	"github.com/wharfhq/wharf/apiserver/internal/authn"
	"github.com/wharfhq/wharf/apiserver/internal/authz"
	"github.com/wharfhq/wharf/apiserver/internal/discovery"
	"github.com/wharfhq/wharf/apiserver/internal/reviews"
	"github.com/wharfhq/wharf/apiserver/internal/wire"
)

// registerReviews mounts the review APIs, answered by the secure port's
// authenticators and authorizer (everything allowed without TLS, where
// every caller is system:unsecured).
func (r *Running) registerReviews(mux chi.Router, codec *wire.Codec) {
	cfg := reviews.Config{Codec: codec, Audiences: []string{authn.Issuer}, Authorizer: authz.AlwaysAllow{}}
	if r.sec != nil {
		cfg.Authorizer, cfg.Tokens = r.sec.authz, r.sec.tokens
	}
	cfg.Rules, _ = cfg.Authorizer.(authz.RuleResolver)
	reviews.New(cfg).Register(mux)
}

// reviewDiscovery lists the review APIs with their only verb, create.
func reviewDiscovery() []discovery.Extra {
	var out []discovery.Extra
	for _, i := range reviews.Resources() {
		out = append(out, discovery.Extra{Info: i, Verbs: []string{"create"}})
	}
	return out
}
