// Package pods runs the pods bound to this node. One goroutine (a worker)
// per pod reconciles desired against actual; a slow pod never blocks the
// others.
//
//	informer (spec.nodeName=<node>) ──poke──► worker per pod key
//	                                           │ read:    pod (lister), runtime containers
//	                                           │ compute: plan(pod, observed, now) → []Action
//	                                           │          podStatus(...)        (pure)
//	                                           │ write:   network.Setup, image, create/start,
//	                                           │          UpdateStatus when changed
//	                                           └ re-sync every ResyncPeriod or at backoff end
//	housekeeping: at start and periodically, stop and remove containers and
//	networks whose pod UID is no longer bound here (orphans)
//
// Optional collaborators, each behind a small interface: Volumes (set up
// once, refreshed every few seconds, torn down in cleanup), Prober (its
// results gate containers' ready/started; a failed liveness or startup
// probe stops the container so plan restarts it) and ServiceLister (the
// service-link env vars of serviceEnv).
//
// Static pods (SetStaticPods, fed by package staticpods) run through the
// same workers without being in the API: a worker's pod is the static pod
// of its key, else the API pod unless that is a mirror pod (mirror pods
// are never run). A static pod's status stays in its worker and is copied
// to its mirror pod, which the worker creates (owned by the Node),
// replaces when outdated or being deleted, and deletes with the static
// pod. Static pods start before the API pods (Config.Ready) and run while
// the apiserver is down.
//
// Container logs go to LogDir/<ns>_<pod>_<uid>/<container>/<attempt>.log
// (the runtime writes them in CRI format and rotates them).
//
// Vocabulary: an attempt is one runtime container of a pod container; the
// restart count is the latest attempt's number. Backoff for crashing
// containers is 0 for the first restart, then 10s doubling to 5m, reset when
// the previous attempt ran 10 minutes. Image pulls back off the same way.
package pods
