package app

import (
	"github.com/go-chi/chi/v5"

	"github.com/wharfhq/wharf/apiserver/internal/discovery"
	"github.com/wharfhq/wharf/apiserver/internal/eventsview"
	"github.com/wharfhq/wharf/apiserver/internal/server"
	"github.com/wharfhq/wharf/apiserver/internal/wire"
	"github.com/wharfhq/wharf/proto/api"
)

// registerEventsView serves events.k8s.io/v1 Events from the core/v1
// Events of srv, reached on a router of its own so that the view's
// rewritten requests skip the (already passed) auth filters.
func (r *Running) registerEventsView(mux chi.Router, srv *server.Server, codec *wire.Codec) {
	core := chi.NewRouter()
	srv.Register(core)
	eventsview.New(eventsview.Config{Core: core, Codec: codec, Logger: r.log}).Register(mux)
}

// eventsDiscovery lists the view with every verb, stored as core/v1 Events.
func eventsDiscovery() discovery.Extra {
	return discovery.Extra{Info: eventsview.Resource(), Verbs: api.Verbs, StoredAs: info("events")}
}
