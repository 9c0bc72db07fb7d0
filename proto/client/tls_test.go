package client

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// testCA is a throwaway certificate authority.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue returns a PEM certificate and key signed by the CA.
func (ca *testCA) issue(t *testing.T, cn string, orgs []string, server bool) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn, Organization: orgs},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
		tmpl.DNSNames = []string{"apiserver.test"}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}

// newTLSServer starts an HTTPS server (HTTP/2 enabled) that asks for
// client certificates signed by ca and echoes the client's CN and protocol.
func newTLSServer(t *testing.T, ca *testCA, requireClientCert bool) *httptest.Server {
	t.Helper()
	certPEM, keyPEM := ca.issue(t, "apiserver", nil, true)
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cn := ""
		if len(r.TLS.PeerCertificates) > 0 {
			cn = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		w.Header().Set("X-CN", cn)
		w.Header().Set("X-Proto", r.Proto)
		w.Write([]byte("{}"))
	}))
	srv.EnableHTTP2 = true
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.VerifyClientCertIfGiven}
	if requireClientCert {
		srv.TLS.ClientAuth = tls.RequireAndVerifyClientCert
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func TestTLSClientCertificate(t *testing.T) {
	ca := newTestCA(t)
	srv := newTLSServer(t, ca, true)
	certPEM, keyPEM := ca.issue(t, "alice", []string{"admins"}, false)
	c, _ := newTestClient(t, Config{Host: srv.URL, CAData: ca.pem, CertData: certPEM, KeyData: keyPEM, MaxRetries: -1})
	resp, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/api"})
	if err != nil {
		t.Fatal(err)
	}
	if cn := resp.Header.Get("X-CN"); cn != "alice" {
		t.Errorf("server saw CN %q", cn)
	}
	if p := resp.Header.Get("X-Proto"); p != "HTTP/2.0" {
		t.Errorf("protocol = %s, want HTTP/2.0", p)
	}

	// Without a client certificate the server refuses the handshake.
	c2, _ := newTestClient(t, Config{Host: srv.URL, CAData: ca.pem, MaxRetries: -1})
	if _, err := c2.Do(context.Background(), &Request{Method: "GET", Path: "/api"}); err == nil {
		t.Error("request without client certificate succeeded")
	}
}

func TestTLSServerVerification(t *testing.T) {
	ca := newTestCA(t)
	srv := newTLSServer(t, ca, false)
	other := newTestCA(t)
	ctx := context.Background()
	req := &Request{Method: "GET", Path: "/api"}

	wrong, _ := newTestClient(t, Config{Host: srv.URL, CAData: other.pem, MaxRetries: -1})
	if _, err := wrong.Do(ctx, req); err == nil {
		t.Error("server certificate from an unknown CA accepted")
	}
	badName, _ := newTestClient(t, Config{Host: srv.URL, CAData: ca.pem, ServerName: "elsewhere.test", MaxRetries: -1})
	if _, err := badName.Do(ctx, req); err == nil {
		t.Error("wrong ServerName accepted")
	}
	goodName, _ := newTestClient(t, Config{Host: srv.URL, CAData: ca.pem, ServerName: "apiserver.test", MaxRetries: -1})
	if _, err := goodName.Do(ctx, req); err != nil {
		t.Errorf("ServerName apiserver.test: %v", err)
	}
	insecure, _ := newTestClient(t, Config{Host: srv.URL, Insecure: true, MaxRetries: -1})
	if _, err := insecure.Do(ctx, req); err != nil {
		t.Errorf("insecure: %v", err)
	}
}
