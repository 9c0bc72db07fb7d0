// Package namespace is the namespace lifecycle controller: it empties a
// namespace that is being deleted and then releases it.
//
//	namespace with deletionTimestamp and spec.finalizers ∋ "kubernetes"
//	  └─► sync: deletecollection of every namespaced resource (proto/api's
//	            catalogue) → list what remains → conditions on the status
//	              remaining? ─yes─► requeue after RetryInterval
//	              no ─► PUT namespaces/<n>/finalize without "kubernetes";
//	                    the apiserver then removes the namespace
//
// Conditions follow upstream: NamespaceDeletionDiscoveryFailure,
// NamespaceDeletionGroupVersionParsingFailure (always False here, the
// catalogue is static), NamespaceDeletionContentFailure,
// NamespaceContentRemaining and NamespaceFinalizersRemaining.
package namespace
