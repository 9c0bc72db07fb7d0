// Package iptables puts a rules.Ruleset into the kernel of the network
// namespace the process runs in. It is the proxy's only edge to iptables.
//
//	Syncer.Sync(ruleset)
//	  ├─ first/full sync: base chains + jump rules (coreos/go-iptables),
//	  │   our stale chains listed with iptables-save, whole ruleset restored
//	  └─ later syncs: only the chains that changed since the last success
//	        └─ iptables-restore --noflush, the rules.Plan streamed into its
//	           stdin (batches of ~500 rule lines, one COMMIT each, on nft)
//
// A failed restore makes the next Sync a full one. Mode selects the
// backend binaries (iptables-legacy-* or iptables-nft-*); Detect picks the
// one the host already uses, as upstream's iptables-wrapper does.
package iptables
