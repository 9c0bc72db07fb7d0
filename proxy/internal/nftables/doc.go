// Package nftables programs Services with native nftables (netlink via
// github.com/google/nftables, no nft binary) in one table, "ip
// wharf-proxy". Package plan decides what the table holds and which
// transactions change it; this package encodes them (exprs.go), creates
// the fixed objects (base.go) and applies them (Syncer).
//
//	plan.State ──plan.Diff──► plan.Txn ──compile──► netlink messages ──Flush──► kernel
//	                          (one at a time: each is sent before the next is generated)
//
// A Syncer writes in transactions of at most Config.BatchPorts service
// ports over a socket with large buffers; full syncs list the table first
// (keys only, one datagram at a time: dump.go) and delete what is stale.
// A failed transaction makes the next sync a full one, and a failed full
// sync deletes the table before the next.
//
// The load-balancing maps lb-endpoints and lb-chains of package plan are
// each spread over lbShards kernel maps (lb-endpoints-0 ...) by service
// ID: the kernel walks a map's elements when a new chain's rule binds a
// lookup in it, and walks the table's list of sets to find one by name,
// so neither one map per service nor one map for all scales.
//
// Measured with hack/bench/proxy at 10k services x 5 endpoints (2 shared
// cores): first full sync 2.3 s (was 8.9 s with a map per service), one
// service's change 10 ms from the API update to the kernel, RSS 72 MiB,
// peak 90 MiB, a restart's full sync over its own table 3.2 s (peak 94
// MiB). In the kernel alone (BenchmarkKernelChange) an endpoint change is
// 1.4 ms, one that changes the endpoint count 9 ms.
package nftables
