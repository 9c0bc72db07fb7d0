// Package schedule decides where one pod goes. Schedule is pure: given a
// snapshot, a pod and a start offset it returns the chosen node or, when no
// node fits, the reason for every node.
//
//	nodes[start:] + nodes[:start]
//	   │  parallel filters, stop after NumFeasibleToFind feasible nodes
//	   ▼
//	feasible ──▶ scores (weighted, normalized) ──▶ best (random tie-break)
//
// Sampling follows upstream's percentageOfNodesToScore: in clusters of more
// than 100 nodes only an adaptive share (50% − nodes/125, at least 5%, at
// least 100 nodes) of feasible nodes is searched for, starting where the
// previous attempt stopped so every node gets its turn.
//
// Preempt runs after a failed Schedule on the same snapshot: on each node
// rejected for resources, ports or inter-pod rules it removes every pod of
// lower priority, checks the pod then fits, adds the removed pods back from
// the most important down and names those that no longer leave room as the
// victims; the node with the least important, then fewest, victims wins.
package schedule
