// Package rules turns a snapshot of services and endpoints into iptables
// rules in upstream kube-proxy's layout. It is pure: no I/O, no clock.
//
//	Snapshot ──Renderer.Compute──► Ruleset ──Plan(prev)──► Plan ──WriteTo──► iptables-restore
//	                                           (nil: all)    chain names    streamed text
//
// A Plan lists, per transaction, the chains to rewrite (fixed chains whose
// rules differ, per-service chains of ports that changed) and the chains to
// delete; it holds no text. A Ruleset keeps the text of the fixed chains
// (KUBE-SERVICES, ...) only: a Renderer renders each new or changed
// service port once into a digest per chain of its own, and WriteTo
// renders a port's text again, one port at a time, when a plan writes its
// chains. So at 10k services neither the whole ruleset's text nor the
// restore input is ever in memory at once.
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
