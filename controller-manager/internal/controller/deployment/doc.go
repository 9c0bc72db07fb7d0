// Package deployment is the Deployment controller: it rolls a Deployment's
// pod template out by managing ReplicaSets, one per template version, and
// leaves creating pods to the ReplicaSet controller.
//
//	deployment/RS events ──► queue(key) ──► sync(key)
//	                                          read:    deployment + its RSs (listers)
//	                                          compute: new RS, rolling-update math,
//	                                                   status and conditions
//	                                          write:   create/scale/delete RSs, status
//
// Vocabulary (as upstream):
//
//   - new RS: the ReplicaSet whose template equals the Deployment's,
//     ignoring the pod-template-hash label; named <deployment>-<hash>.
//   - old RSs: every other ReplicaSet the Deployment controls.
//   - revision: the deployment.kubernetes.io/revision annotation; the new RS
//     always carries the highest. A rollback (rollout undo) sets the template
//     back to an old RS's, which then becomes the new RS with a bumped revision.
//   - maxSurge / maxUnavailable: bounds on total and unavailable pods,
//     counted from ReplicaSet spec.replicas and status.availableReplicas.
package deployment
