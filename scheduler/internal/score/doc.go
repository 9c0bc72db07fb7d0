// Package score ranks feasible nodes. A Score is a pure function of a pod
// and one node returning a raw value; a Scorer pairs it with a weight and
// an optional Normalize step that maps the raw values of all feasible
// nodes onto 0..MaxScore (for scores that are counts, such as spreading).
// The scheduler picks the node with the highest weighted sum.
package score
