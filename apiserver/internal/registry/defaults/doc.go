// Package defaults fills in the fields a client may leave unset, as
// upstream Kubernetes' v1 defaulting functions (pkg/apis/*/v1/defaults.go)
// do, so objects read back from Wharf carry the same values a
// kube-apiserver would have stored.
//
// Apply is idempotent: applying it to an already defaulted object changes
// nothing. It never fails and never panics on client input; malformed
// values are left for validation to report.
//
//	Apply(obj) ─┬─ Pod ───────────── PodSpec ── containers, volumes, probes
//	            ├─ workloads ─────── their fields + PodTemplateSpec ── PodSpec
//	            ├─ Service, Namespace, Secret, PV/PVC, RBAC subjects ...
//	            └─ anything else: unchanged
package defaults
