// Package nftables programs Services with native nftables (netlink, no
// nft binary) in one table, "ip wharf-proxy", laid out so that a change of
// one service's endpoints is a small transaction the kernel commits
// quickly even at 10k services.
//
//	rules.Snapshot ──Generator.Generate──► State ──Diff(prev)──► Plan ──Syncer──► netlink
//	                 (pure, per-port cache)        (pure)        txns    (batched, big buffers)
//
// Why this layout: a transaction that adds a jump or goto makes the kernel
// validate every chain reachable from the base chains. Upstream
// kube-proxy's nftables mode has a chain per endpoint (60k chains at 10k
// services x 5), so each change costs >120 ms. Here a service chain
// load-balances and DNATs in one statement through its own named map
// ("dnat to numgen random mod N map @lb-<hash>") and marks for masquerade
// inline: an endpoint change that keeps N rewrites only that map, a
// transaction the kernel commits without validating the table (10k
// services: 3 ms); when N changes the chain is rewritten too and the
// kernel walks about 12k chains instead of 60k (16 ms). Per-endpoint
// chains exist only for ClientIP affinity.
//
// A Syncer writes in transactions of at most 500 service ports (one
// transaction of 10k overflows netlink's buffers), over a socket with
// large buffers; full syncs list the table first and delete what is stale.
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
//   - lb-<hash> / lbl-<hash>: numgen index -> endpoint ip . port (svc / svl);
//     lbv-<hash> / lbvl-<hash>: numgen index -> goto sep- (affinity).
//   - hairpin: set of endpoint ip . endpoint ip; traffic a service sent
//     back to its own source is masqueraded in postrouting.
//   - <hash>: the hash of the iptables chain names (rules.SVCChain,
//     rules.SEPChain), so both modes name a service alike.
//   - masquerade mark 0x4000 (host byte order, as meta mark), acted on in
//     postrouting, as the iptables mode.
package nftables
