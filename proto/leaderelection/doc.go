// Package leaderelection lets one of several replicas (controller-manager,
// scheduler) act at a time, by holding a coordination.k8s.io/v1 Lease the
// way client-go's leaderelection does, so Wharf and upstream components
// can share a Lease.
//
//	candidate ──every RetryPeriod (jittered)──► Get Lease
//	   │            ├─ missing ─────────────► Create (holder = me)
//	   │            ├─ held, not expired ───► wait (report OnNewLeader)
//	   │            └─ free or expired ─────► Update (rv-guarded, 409 = lost race)
//	   ▼ acquired
//	leader: OnStartedLeading(ctx) runs; Update renewTime every RetryPeriod
//	   ├─ no renewal for RenewDeadline, or another holder seen ─► lost:
//	   │    cancel ctx, wait for OnStartedLeading, OnStoppedLeading,
//	   │    Run returns ErrLostLeadership
//	   └─ ctx cancelled ─► (ReleaseOnCancel: clear holderIdentity) ─►
//	        OnStoppedLeading, Run returns nil
//
// Vocabulary (the Lease's spec fields):
//
//   - holderIdentity: who leads; "" after a release, letting anyone take
//     over at once.
//   - leaseDurationSeconds: how long candidates wait, after they last saw
//     the record change, before taking over.
//   - acquireTime / renewTime: when the holder took and last renewed it.
//   - leaseTransitions: incremented whenever the holder changes.
//
// Expiry is judged on the candidate's own clock from the moment it last
// saw the record change, never by comparing renewTime with local time, so
// clock skew between machines does not matter. All writes are updates
// guarded by resourceVersion, so two candidates can never both win.
package leaderelection
