// Package rules turns a snapshot of services and endpoints into iptables
// rules in upstream kube-proxy's layout. It is pure: no I/O, no clock.
//
//	Snapshot ──Build──► Ruleset ──Text──► iptables-restore input (full)
//	                       │
//	                       └─Diff(prev)──► only changed chains + deletions
//
// Once a ruleset is in the kernel, Compact drops the text of its
// per-service chains (most of the memory at 10k services), keeping a
// digest per chain to diff against; a full sync renders them again.
//
// Vocabulary (as upstream):
//   - service port: one (namespace, name, port name, protocol) of a Service;
//     "ns/name:port" is its string form (":port" omitted for unnamed ports).
//   - KUBE-SVC-<hash>: load-balances a service port over its endpoints with
//     "-m statistic --mode random --probability 1/n" rules.
//   - KUBE-SVL-<hash>: the same over node-local endpoints only (traffic
//     policy Local).
//   - KUBE-EXT-<hash>: entry for NodePort and external IP traffic; marks it for
//     masquerade (policy Cluster) or sends it to KUBE-SVL (policy Local).
//   - KUBE-SEP-<hash>: one endpoint: hairpin masquerade mark and DNAT.
//   - <hash>: base32(sha256(port name + protocol [+ endpoint]))[:16].
//   - masquerade mark: 0x4000 set by KUBE-MARK-MASQ, acted on in
//     KUBE-POSTROUTING.
//
// Services without usable endpoints get REJECT rules in the filter table
// (connection refused at once) instead of nat rules.
package rules
