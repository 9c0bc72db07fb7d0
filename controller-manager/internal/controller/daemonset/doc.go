// Package daemonset is the DaemonSet controller: it keeps exactly one pod
// of a DaemonSet on every node the pod may run on, and rolls template
// changes out node by node within maxUnavailable.
//
//	daemonset/node/pod events ──► queue(key) ──► sync(key)
//	    read:    daemonset, nodes, its pods (listers)
//	    compute: which nodes should run it (nodeSelector, required node
//	             affinity, taints vs tolerations), pods per node, the plan
//	             of creates and deletes, status
//	    write:   create/delete pods, status
//
// Vocabulary (as upstream):
//
//   - should run: the pod fits the node (selector, affinity, NoSchedule
//     and NoExecute taints tolerated); should continue running: only
//     NoExecute taints matter, so tainting a node NoSchedule keeps a
//     running daemon pod.
//   - pods are pinned with a required node affinity on metadata.name (the
//     scheduler binds them), so a pod's target node is its spec.nodeName
//     or that affinity.
//   - updated: a pod whose controller-revision-hash label is the current
//     template's hash.
package daemonset
