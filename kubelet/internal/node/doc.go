// Package node keeps the kubelet's Node object and Lease alive:
//
//	Register ── create or update the Node (labels, capacity, addresses,
//	            nodeInfo; spec.podCIDR from --pod-cidr when empty)
//	WaitForPodCIDR ── poll until spec.podCIDR is set (node IPAM or flag)
//	Agent.Run ─┬─ every 10s: renew Lease kube-node-lease/<node>
//	           └─ every 10s: compute status; write it when it changed or
//	              the last heartbeat is a minute old
//
// The status itself is computed by the pure Status function.
package node
