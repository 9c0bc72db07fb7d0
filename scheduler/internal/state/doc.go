// Package state is the scheduler's pure model of the cluster: what a pod
// asks for (PodInfo) and what a node offers and already carries (NodeInfo),
// collected into a Snapshot that filters and scores read without locks.
//
//	informers ──▶ cache (mutable, assumed pods) ──UpdateSnapshot──▶ Snapshot
//	                                                                 │
//	                                           filter / score ◀──────┘
//
// Vocabulary: Requested is the sum of the requests of the pods on a node
// (assumed pods included); NonZeroRequested is the same sum with upstream's
// scoring defaults (100m cpu, 200Mi memory) for containers that request
// nothing. A Snapshot is never mutated while a scheduling attempt reads it.
//
// Inter-pod terms: an AffinityTerm selects pods by labels within namespaces
// (a list, a namespaceSelector over Snapshot.Namespaces, or the owner's
// namespace). PodInfo.PrepareTopology does the one cluster-wide pass per
// attempt: AffinityCounts (pods matching all required affinity terms, per
// topology domain) and Forbidden (domains anti-affinity rules out).
package state
