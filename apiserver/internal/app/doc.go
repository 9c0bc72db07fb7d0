// Package app assembles a wharf-apiserver: etcd (embedded or dialled),
// one watch cache per resource, the REST server, discovery, OpenAPI,
// health and metrics, all on one chi router behind logging and panic
// recovery.
//
//	Start ─▶ etcd ─▶ storage.Store ─▶ watch caches (parallel) ─▶ server.Server
//	                      │                                        │
//	                  compactor          router: /api /apis /version /openapi
//	                                             /healthz /livez /readyz /metrics
//	                                             + resource routes
//	                                             + review APIs (reviews)
//	                                             + events.k8s.io/v1 (eventsview)
//
// Start returns once the listener is bound, the caches are synced and the
// default namespaces exist, so /readyz is "ok" from then on. Close stops
// accepting, ends open watches (by stopping the caches), waits for
// in-flight requests and then closes etcd.
package app
