// Package job is the Job controller: it runs a Job's pods until
// spec.completions of them succeed, at most spec.parallelism at a time,
// retrying failures with exponential backoff until spec.backoffLimit or
// spec.activeDeadlineSeconds fails the Job, and deletes finished Jobs once
// spec.ttlSecondsAfterFinished has passed.
//
//	job/pod events ──► queue(key) ──► sync(key)
//	                                   read:    job + its pods (listers)
//	                                   compute: counts, backoff, verdict (plan)
//	                                   write:   create/delete pods, status, TTL delete
//
// Vocabulary:
//
//   - active: pods neither Succeeded nor Failed and not being deleted.
//   - failures: Failed pods, plus container restarts of active pods when
//     the template's restartPolicy is OnFailure (the kubelet retries those
//     in place).
//   - backoff: a replacement pod waits base·2^(failures-1), capped, after
//     the last failure.
//   - finished: the Job has a Complete or Failed condition that is True.
package job
