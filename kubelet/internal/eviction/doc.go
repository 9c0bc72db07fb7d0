// Package eviction protects the node from running out of memory or disk:
// it compares node statistics with hard eviction thresholds
// (--eviction-hard, upstream syntax "memory.available<100Mi,
// nodefs.available<10%") and, while one is crossed, evicts one pod per
// round, BestEffort first, then Burstable, then Guaranteed.
//
//	StatsSource ──Stats──▶ Manager.Synchronize ──Rank(pods)──▶ Evictor.Evict
//	                            │
//	                            └─▶ Pressure() → node MemoryPressure/DiskPressure
//
// An evicted pod ends in phase Failed with reason Evicted and a message
// naming the resource, as upstream writes it. Statistics come from a
// StatsSource so tests inject any numbers; HostStats reads /proc/meminfo
// and statfs of the kubelet's root directory.
package eviction
