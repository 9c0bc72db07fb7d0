package pki

import (
	"encoding/base64"
	"fmt"
)

// Kubeconfig renders an upstream kubeconfig whose current context reaches
// server, trusting caPEM, as user with a client certificate.
func Kubeconfig(server string, caPEM, certPEM, keyPEM []byte, user string) []byte {
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters:
- name: wharf
  cluster:
    server: %s
    certificate-authority-data: %s
contexts:
- name: %s
  context:
    cluster: wharf
    user: %s
    namespace: default
current-context: %s
users:
- name: %s
  user:
    client-certificate-data: %s
    client-key-data: %s
preferences: {}
`, server, b64(caPEM), quote(user+"@wharf"), quote(user), quote(user+"@wharf"), quote(user), b64(certPEM), b64(keyPEM))
}

// quote makes s a safe YAML scalar (names like system:node:x contain colons).
func quote(s string) string { return fmt.Sprintf("%q", s) }
