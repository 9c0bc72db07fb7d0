// Package client is Wharf's REST client for the Kubernetes-compatible HTTP
// API. Every Wharf component talks to the apiserver only through it, and it
// works unchanged against an upstream kube-apiserver.
//
// Two layers:
//
//	Resource[T]  typed verbs (Get/List/Watch/Create/Update/Patch/Delete...)
//	    │        path building from an api.Info, options → query parameters
//	    ▼
//	Client.Do / Client.Stream
//	             rate limiting (token bucket), retries with backoff + jitter,
//	             TLS, Status decoding into *apierrors.StatusError
//
// Vocabulary: a Request is one HTTP call (method, path, query, body); a
// Response is its status code, headers and fully read body. Non-2xx
// responses never come back as a Response: they are returned as
// *apierrors.StatusError, so apierrors.IsNotFound, IsConflict, IsGone and
// friends work on every error this package returns.
//
// Retry policy (modelled on client-go): any verb is retried on 429 and on a
// 5xx carrying Retry-After; 500 only for GET; 502/503/504 for idempotent
// verbs (GET, PUT, DELETE); refused connections for any verb (nothing was
// sent); reset connections and unexpected EOF only for GET. 409 and other
// 4xx are never retried.
package client
