// Package informer keeps an in-memory cache of one API resource in sync
// with the apiserver and tells event handlers what changed. Every Wharf
// controller, the scheduler, the kubelet and the proxy sit on top of it,
// in k8s.io/sample-controller's shape: handlers only enqueue keys (see
// package workqueue), workers read objects back through the Lister.
//
//	apiserver ──List (paged)──► replace ─┐
//	    │                                ├─► store ◄── Lister (Get, List, ByIndex, ...)
//	    └──Watch(rv, bookmarks)─► apply ─┘     │        many readers, RWMutex
//	         ▲        │                        ▼
//	         │        └ 410 Gone ──► relist   Handlers (OnAdd/OnUpdate/OnDelete)
//	         └── re-watch from last rv,       one goroutine, event order
//	             backoff 800ms..30s
//
// Vocabulary:
//
//   - key: "namespace/name" or "name" for cluster-scoped objects (KeyOf,
//     SplitKey); what controllers put into their workqueue.
//   - list/replace: the cache is made equal to a full list. On a relist
//     handlers see OnAdd for new objects, OnUpdate for objects whose
//     resourceVersion changed and OnDelete, with the last cached state,
//     for objects that vanished — there is no tombstone type.
//   - watch: resumes from the last resourceVersion seen (objects or
//     BOOKMARK events). A clean end or an error re-watches after a
//     jittered backoff; 410 Gone / Expired (error or ERROR event) relists.
//   - resync: every ResyncPeriod each cached object is handed to
//     OnUpdate(obj, obj), so level-triggered controllers revisit it.
//   - synced: HasSynced turns true once the first list has been stored and
//     dispatched; WaitForCacheSync waits for several informers.
//
// Handlers run on the Informer's Run goroutine after the cache is
// updated; a slow handler delays all others and the cache. Objects handed
// to handlers and returned by the Lister are shared: callers must
// DeepCopy (T's DeepCopyObject) before mutating one.
package informer
