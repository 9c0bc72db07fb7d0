// Package plan is the pure part of the nftables mode: it generates what
// table "ip wharf-proxy" should hold for a rules.Snapshot and plans the
// kernel transactions from one such State to the next. It does no I/O;
// package nftables encodes the transactions for netlink and applies them.
//
//	rules.Snapshot ──Generator.Generate──► State ──Diff(prev, ElemTable)──► Txn, Txn, ...
//	                 (reuses unchanged Ports)  (compact)  (generates Objects per batch, lazily)
//
// Layout (why): a transaction that adds a jump or goto makes the kernel
// validate the chains reachable from the base chains, and the kernel finds
// a named set by walking the table's list of sets. So a service has one
// chain that load-balances and DNATs in one statement through the shared
// map lb-endpoints ("dnat to <id> . numgen random mod N map
// @lb-endpoints"), keyed by the service's 64-bit ID and the endpoint's
// index: an endpoint change that keeps N only rewrites elements, a
// transaction the kernel commits without validating the table; when N
// changes the chain is rewritten too. There are no per-service maps (10k
// of them made a full sync spend most of its time in the kernel's set
// lookups) and per-endpoint chains exist only for ClientIP affinity.
//
// Memory: a State keeps per service port only the ServicePort it was
// generated from; Diff generates a port's Objects again when it writes or
// deletes it, one transaction at a time.
//
// Vocabulary:
//   - service-ips: vmap ip daddr . l4proto . dport -> goto svc-/svl-/ext- chain
//     (cluster IPs and external IPs); service-nodeports: l4proto . dport ->
//     goto ext-, for local destinations.
//   - no-endpoint-services, no-endpoint-nodeports: the same keys -> goto
//     reject-chain (no endpoints) or drop (no local endpoints, policy
//     Local), matched in the filter hooks.
//   - svc-<hash>: load-balances over all usable endpoints; svl-<hash> over
//     the local ones; ext-<hash>: entry for NodePort/external IP traffic
//     (masquerade mark, traffic policy Local); sep-<hash>: one endpoint of
//     an affinity service, with its set aff-<hash> of recent clients.
//   - lb-endpoints: LBID(lb-<hash> or lbl-<hash>) . index -> endpoint ip .
//     port (svc / svl); lb-chains: LBID(lbv-<hash> or lbvl-<hash>) . index
//     -> goto sep- (affinity). The names lb-<hash>... exist only as the
//     source of the IDs and in texts.
//   - hairpin: set of endpoint ip . endpoint ip; traffic a service sent
//     back to its own source is masqueraded in postrouting.
//   - <hash>: the hash of the iptables chain names (rules.SVCChain,
//     rules.SEPChain), so both modes name a service alike.
//   - masquerade mark 0x4000 (host byte order, as meta mark), acted on in
//     postrouting, as the iptables mode.
package plan
