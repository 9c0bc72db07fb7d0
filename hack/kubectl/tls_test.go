package kubectl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
)

// TestKubectlOverTLSWithRBAC drives the apiserver in its production mode
// (HTTPS, x509 client certificates, RBAC) with upstream kubectl and the
// generated admin kubeconfig, and checks that a kubeconfig without
// credentials is refused with 401.
func TestKubectlOverTLSWithRBAC(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.WithTLS())
	if !strings.HasPrefix(s.URL, "https://") {
		t.Fatalf("WithTLS server URL %q is not https", s.URL)
	}
	k := newKubectl(t, s)
	wantContains(t, "get ns", k.must("get", "ns"), "kube-system", "default")
	dir := t.TempDir()
	k.must("create", "-f", writeFile(t, dir, "pod.yaml"))
	k.must("apply", "-f", writeFile(t, dir, "deploy.yaml"))
	k.must("scale", "deployment", "api", "--replicas=3")
	wantContains(t, "scaled", k.must("get", "deployment", "api", "-o", "jsonpath={.spec.replicas}"), "3")
	wantContains(t, "kubernetes service", k.must("get", "service", "kubernetes", "-n", "default", "-o", "jsonpath={.spec.clusterIP}"), "10.96.0.1")

	// The same cluster and CA, but no valid credentials: 401, not data.
	kc, err := os.ReadFile(s.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	anon := &kubectl{t: t, kubeconfig: filepath.Join(dir, "anonymous"), home: t.TempDir()}
	if err := os.WriteFile(anon.kubeconfig, stripUser(t, kc), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := anon.run("--token=not-a-valid-token", "get", "pods")
	if err == nil || !strings.Contains(out, "You must be logged in to the server") { // kubectl's wording for 401
		t.Fatalf("kubectl without credentials: err=%v output=%s", err, out)
	}
}

// stripUser removes the client certificate and key from a kubeconfig.
func stripUser(t *testing.T, kc []byte) []byte {
	var out []string
	for _, line := range strings.Split(string(kc), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "client-certificate") || strings.HasPrefix(trimmed, "client-key") || strings.HasPrefix(trimmed, "token") {
			continue
		}
		out = append(out, line)
	}
	return []byte(strings.Join(out, "\n"))
}
