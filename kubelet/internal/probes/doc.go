// Package probes runs containers' liveness, readiness and startup probes
// (httpGet, tcpSocket, exec, grpc), one goroutine per container and probe
// kind, and keeps the results the pod workers read:
//
//	pods worker ──Sync(pod, running containers)──► Manager ─► worker per (container ID, kind)
//	     ▲                                                        │ every periodSeconds: probe,
//	     └──────────── notify() when a result flips ◄─────────────┘ apply thresholds
//
// Network probes dial from inside the pod's network namespace. Until a
// startup probe succeeds, liveness and readiness are not run; a liveness
// or startup probe past its failureThreshold marks the container
// Unhealthy and the pod worker restarts it.
package probes
