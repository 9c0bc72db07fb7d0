// Package app wires the scheduler to the apiserver: informers feed the
// cache and the queue, one goroutine runs the scheduling loop, binds run
// concurrently, and failures become events and PodScheduled conditions.
//
//	pod informer ──unassigned, ours──▶ queue ──Pop──▶ scheduleOne ──▶ Assume ──▶ bind (async)
//	     └──────────assigned─────────▶ cache ◀──nodes informer            │ 409/err: Forget+backoff
//	                                     └──UpdateSnapshot──▶ Schedule ◀──┘
//
// Only the leader (Lease, when LeaderElect) runs informers and the loop;
// /healthz and /metrics are served by every replica.
package app
