// Package cache is the scheduler's mutable model of the cluster: nodes and
// the pods bound (or about to be bound) to them, fed by the informers and
// by the scheduling loop.
//
// Assumed pods: after choosing a node the loop calls Assume, which counts
// the pod on the node at once so the next decision sees it without waiting
// for the bind round-trip. The pod's watch event later Confirms it (AddPod);
// a failed bind Forgets it; a bind that succeeded but never shows up in the
// watch expires TTL after FinishBinding (Cleanup).
//
//	Assume ──▶ assumed ──AddPod (watch)──▶ confirmed
//	              │ Forget / expiry
//	              ▼
//	           removed
//
// UpdateSnapshot copies only the nodes that changed since the snapshot's
// generation, so a scheduling cycle costs O(changed nodes), not O(cluster).
// All methods are safe for concurrent use.
package cache
