// Package workqueue is the rate-limited, de-duplicating work queue every
// Wharf controller, the scheduler and the node agents put keys into.
//
// Event handlers Add keys; a fixed number of workers Get a key, reconcile
// it and call Done. On failure the worker calls AddRateLimited, on success
// Forget (which resets the key's backoff).
//
//	handlers                        Queue[K]                      workers
//	────────                        ────────                      ───────
//	Add(k) ───────────────────────► dirty ─► FIFO ───Get()───► processing
//	AddAfter(k, d) ─────► heap ──(timer)─┘    ▲                    │
//	AddRateLimited(k) ──┘  ▲                  │ re-queued if       │
//	  (d = limiter.When(k))│                  └ added meanwhile ◄─ Done(k)
//	Forget(k) ─► limiter   └ one goroutine, one timer
//
// Vocabulary and guarantees (the same as client-go's workqueue):
//
//   - dirty: keys that need processing. A key is queued at most once no
//     matter how often it is added before a worker picks it up.
//   - processing: keys handed out by Get and not yet Done. A key being
//     processed is never handed to a second worker; if it is added again
//     meanwhile it is queued once Done is called.
//   - FIFO: keys are handed out in the order they first became dirty.
//   - delayed adds (AddAfter, AddRateLimited) wait in a min-heap drained by
//     one goroutine with one timer; a key waiting twice keeps the earlier
//     deadline.
//   - the default rate limiter is the maximum of a per-key exponential
//     backoff (5ms doubling to 1000s) and an overall token bucket (10 qps,
//     burst 100).
//   - ShutDown makes Add a no-op; Get keeps handing out what is queued and
//     then reports shutdown. ShutDownWithDrain also waits until every key
//     handed out has been marked Done.
//
// Time comes from an injectable Clock (k8s.io/utils/clock's RealClock in
// production, its FakeClock in tests).
package workqueue
