// Package garbagecollector deletes objects whose owners are gone and
// carries out foreground and orphan deletion, as upstream's garbage
// collector does.
//
// Design choice: instead of upstream's explicit dependency graph, the
// collector runs one metadata informer per catalogued resource (events
// excluded, as upstream ignores them) with an index from owner UID to
// dependents. The informer caches are the graph: "dependents of X" is an
// index lookup across caches, "owner of Y" a cache Get by kind/name checked
// against the reference's UID — and confirmed with a live GET before
// anything is deleted, so a lagging cache never causes a wrong deletion.
// This costs one extra watch per resource but no hand-maintained graph.
//
//	any object event ──► queue(item) ──► sync(item)
//	  deleted object ──► queue(its dependents, its owners)
//
//	sync(item), as owner (deletionTimestamp set):
//	  finalizer "orphan"             strip our ownerReference from every
//	                                 dependent, then drop the finalizer
//	  finalizer "foregroundDeletion" delete dependents (foreground); when no
//	                                 dependent with blockOwnerDeletion is
//	                                 left, drop the finalizer
//	sync(item), as dependent (ownerReferences, not deleting):
//	  Decide over owner states Present / Absent / Waiting (foreground):
//	  all absent → delete (background); only absent+waiting → delete
//	  (foreground); present and absent/waiting → drop those references.
//
// Vocabulary: an item is (resource, namespace, name); Absent means
// not found or found with another UID; Waiting means deleting with the
// foregroundDeletion finalizer.
package garbagecollector
