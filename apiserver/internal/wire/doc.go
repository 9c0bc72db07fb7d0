// Package wire decodes request bodies and writes responses for the
// handlers that live outside the resource server (review APIs, the
// events.k8s.io view): JSON, YAML and Kubernetes protobuf bodies in,
// JSON objects and upstream-shaped Status errors out.
//
//	POST body ──Decode──▶ typed k8s.io/api object
//	object    ──WriteObject──▶ JSON with apiVersion/kind
//	error     ──WriteError──▶ metav1.Status with upstream code and reason
package wire
