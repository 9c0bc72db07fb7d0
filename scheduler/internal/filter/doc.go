// Package filter holds the scheduler's feasibility checks. Each Filter is a
// pure function of a pod and one node of a snapshot: it returns nil when
// the pod fits, or a Reason saying why not. Reasons carry upstream's
// wording so that FailedScheduling events read like kube-scheduler's, and
// resource rejections carry {resource, requested, used, capacity}.
//
// Default lists the filters in evaluation order, cheapest first; the first
// failing filter decides a node's reason.
package filter
