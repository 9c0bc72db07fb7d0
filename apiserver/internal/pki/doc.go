// Package pki generates and loads the apiserver's certificates: a
// self-signed CA, serving and client certificates signed by it, the
// ServiceAccount signing key, and kubeconfig files that carry a client
// certificate.
//
//	EnsureDir(dir) ─┬─ ca.crt / ca.key                 cluster CA (10 years)
//	                ├─ apiserver.crt / apiserver.key   serving cert, SANs from Options
//	                ├─ apiserver-kubelet-client.*      CN=kube-apiserver-kubelet-client
//	                ├─ sa.key                          ServiceAccount token signing key
//	                └─ admin.kubeconfig                CN=admin, O=system:masters
//
// Keys are ECDSA P-256 in PKCS#8 PEM; upstream kubectl and client-go read them.
// Existing files are never overwritten, so a restart keeps its identity.
package pki
