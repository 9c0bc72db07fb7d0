// Package queue is the scheduling queue: which pending pod to try next.
//
//	Add ──▶ activeQ (priority desc, then age) ──Pop──▶ scheduling attempt
//	           ▲            ▲                             │ failed
//	           │ backoff    │ cluster event               ▼
//	       backoffQ ◀──── unschedulable ◀──── AddUnschedulable
//
// A pod that failed waits in unschedulable until a cluster event (node
// added or changed, pod deleted) might let it fit, or for MaxUnschedulable
// at most; it then goes to backoffQ until its backoff (1 s doubling per
// attempt, capped at 10 s) is over, then back to activeQ. If an event
// arrived while the pod was being scheduled, it goes straight to backoffQ.
// Errors (a failed bind) go to backoffQ. All methods are safe for
// concurrent use; Pop blocks.
package queue
