package main

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/wharfhq/wharf/apiserver/internal/pki"
)

func TestCertsComponent(t *testing.T) {
	dir := t.TempDir()
	if _, err := pki.EnsureDir(dir, pki.SANs{}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "w1.kubeconfig")
	if err := newApp().Run([]string{"wharf-apiserver", "certs", "component", "--cert-dir", dir, "--node", "w1",
		"--server", "https://10.0.0.1:6443", "--out", out}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`client-certificate-data: (\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no client certificate in\n%s", b)
	}
	certPEM, _ := base64.StdEncoding.DecodeString(string(m[1]))
	cert, err := pki.ParseCert(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != "system:node:w1" || cert.Subject.Organization[0] != "system:nodes" {
		t.Errorf("subject %v", cert.Subject)
	}
	if err := newApp().Run([]string{"wharf-apiserver", "certs", "component", "--cert-dir", t.TempDir(), "--name", "x", "--out", out}); err == nil {
		t.Error("issuing without a CA succeeded")
	}
}
