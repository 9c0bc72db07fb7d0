// Package server holds the apiserver's generic REST handlers: the routes
// under /api/v1 and /apis/<group>/<version> that read and write every
// catalogued resource (see proto/api) with upstream kube-apiserver
// semantics.
//
//	HTTP request ──parse──▶ request (info, namespace, name, subresource, verb)
//	                           │
//	        get/list ◀─────────┼─────────▶ create/update/patch/delete
//	   etcd (consistent) or    │            strategy (registry) → codec →
//	   watch cache (rv="0")    │            storage Txn with a revision compare
//	                         watch ◀── watch cache frames, bookmarks, Table rows
//
// Vocabulary:
//   - store: the etcd-backed key/value store; every write is a compare on the
//     key's mod revision, which is the object's resourceVersion.
//   - cache: the per-resource watch cache, which serves watches and
//     resourceVersion="0" (or consistent, after WaitForRevision) lists.
//   - strategy: per-resource defaulting, validation and Table columns.
//   - render: how a response is encoded: the object itself, a meta.k8s.io
//     Table, or PartialObjectMetadata, as the Accept header asks.
//
// Subresources: status, scale (autoscaling/v1 Scale), pods/binding and
// namespaces/<ns>/bindings, pods/eviction (no PodDisruptionBudgets) and
// namespaces/finalize. The watch cache is used through cacheAdapter, so the
// handlers only depend on the small objectCache interface.
//
// Objects are stored without resourceVersion; responses built from stored
// bytes get it spliced in (see withRV) so the hot paths encode JSON once.
package server
