// Package node keeps the kubelet's Node object and Lease alive:
//
//	Register ── create or update the Node (labels, capacity, addresses,
//	            nodeInfo; spec.podCIDR from --pod-cidr when empty)
//	WaitForPodCIDR ── poll until spec.podCIDR is set (node IPAM or flag)
//	Agent.Run ─┬─ every 10s: renew Lease kube-node-lease/<node> (one
//	           │  Update of the lease as last written; Get on conflict)
//	           └─ every 10s: read the Node from the apiserver's cache,
//	              compute status; write it when it changed or the last
//	              heartbeat is 5 minutes old (the lease is the heartbeat)
//
// The status itself is computed by the pure Status function.
package node
