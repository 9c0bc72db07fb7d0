package pki

import (
	"crypto/x509"
	"encoding/base64"
	"net"
	"os"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestEnsureDirIsIdempotentAndCertsVerify(t *testing.T) {
	dir := t.TempDir()
	d, err := EnsureDir(dir, DefaultSANs(net.ParseIP("10.96.0.1")))
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(d.File(ServingCert))
	d2, err := EnsureDir(dir, SANs{})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(d2.File(ServingCert))
	if string(before) != string(after) || !d.CA.Cert.Equal(d2.CA.Cert) {
		t.Fatal("second EnsureDir replaced existing files")
	}
	cert, err := ParseCert(after)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(d.CA.Cert)
	for _, name := range []string{"kubernetes.default.svc.cluster.local", "localhost", "127.0.0.1", "10.96.0.1"} {
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err != nil {
			t.Errorf("serving cert for %s: %v", name, err)
		}
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: "evil.example"}); err == nil {
		t.Error("serving cert valid for evil.example")
	}
}

func TestClientKubeconfig(t *testing.T) {
	ca, err := NewCA("test")
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/node.kubeconfig"
	if err := WriteClientKubeconfig(ca, path, "https://10.0.0.1:6443", "system:node:w1", []string{"system:nodes"}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	var kc struct {
		CurrentContext string `json:"current-context"`
		Clusters       []struct {
			Cluster struct {
				Server string `json:"server"`
				CA     string `json:"certificate-authority-data"`
			} `json:"cluster"`
		} `json:"clusters"`
		Users []struct {
			Name string `json:"name"`
			User struct {
				Cert string `json:"client-certificate-data"`
			} `json:"user"`
		} `json:"users"`
	}
	if err := yaml.Unmarshal(b, &kc); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if kc.CurrentContext != "system:node:w1@wharf" || kc.Clusters[0].Cluster.Server != "https://10.0.0.1:6443" || kc.Users[0].Name != "system:node:w1" {
		t.Fatalf("kubeconfig: %+v", kc)
	}
	pemCert, _ := base64.StdEncoding.DecodeString(kc.Users[0].User.Cert)
	cert, err := ParseCert(pemCert)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != "system:node:w1" || len(cert.Subject.Organization) != 1 || cert.Subject.Organization[0] != "system:nodes" {
		t.Errorf("subject %v", cert.Subject)
	}
	if _, err := ParseKey([]byte("junk")); err == nil {
		t.Error("ParseKey(junk) succeeded")
	}
}
