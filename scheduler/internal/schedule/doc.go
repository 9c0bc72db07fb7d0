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
package schedule
