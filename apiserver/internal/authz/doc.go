// Package authz decides whether a user may do what a request asks.
//
//	Resolve(http.Request) → Attributes{verb, group, resource, subresource, namespace, name | path}
//	Chain: system:masters → allow
//	       NodeRestriction (system:node:<n> touches only its own Node, Lease, pods) → deny or no opinion
//	       RBAC (Role/ClusterRole rules reached through bindings) → allow or no opinion
//	       otherwise deny → 403 with upstream's message (Forbidden)
//
// Policy objects come from a PolicySource (the apiserver's watch caches);
// Bootstrap lists the default roles and bindings created at start.
package authz
