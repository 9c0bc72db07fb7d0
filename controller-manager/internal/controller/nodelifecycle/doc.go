// Package nodelifecycle is the node lifecycle controller: it notices
// nodes whose kubelet went silent, taints unhealthy nodes and evicts pods
// from them once their tolerations run out (upstream's node lifecycle
// controller with taint-based eviction).
//
//	node/lease/pod events, and every node each MonitorPeriod
//	  ──► queue(node name) ──► sync
//	    read:    node, its Lease in kube-node-lease, pods on it (listers)
//	    compute: heartbeat older than GracePeriod? → MarkUnknown
//	             DesiredTaints from Ready: False → not-ready,
//	                                       Unknown → unreachable
//	                                       (NoSchedule + NoExecute)
//	             EvictionTime per pod from its tolerations
//	    write:   node status, node taints, pod deletions; AddAfter for the
//	             next pending eviction
//
// Vocabulary: a heartbeat ("probe") is the later of the Lease's renewTime
// and the Ready condition's lastHeartbeatTime; its age is measured from
// when this controller first saw it, by the injectable Now, so clocks of
// kubelet and controller need not agree.
package nodelifecycle
