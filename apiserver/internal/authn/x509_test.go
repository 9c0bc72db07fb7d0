package authn_test

import (
	"crypto/tls"
	"crypto/x509"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wharfhq/wharf/apiserver/internal/authn"
	"github.com/wharfhq/wharf/apiserver/internal/pki"
)

func TestX509(t *testing.T) {
	ca, _ := pki.NewCA("ca")
	other, _ := pki.NewCA("other")
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	a := authn.NewX509(roots)
	try := func(from *pki.CA, validity time.Duration) (*authn.User, bool, error) {
		certPEM, _, err := from.Issue(pki.CertRequest{CommonName: "u", Organization: []string{"g"}, Client: true, Validity: validity})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := pki.ParseCert(certPEM)
		r := httptest.NewRequest("GET", "/", nil)
		r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{c}}
		return a.Authenticate(r)
	}
	for range 2 { // second round hits the cache
		if u, ok, err := try(ca, 0); err != nil || !ok || u.Name != "u" || u.Groups[0] != "g" {
			t.Fatalf("valid cert: %+v %v %v", u, ok, err)
		}
	}
	if _, _, err := try(other, 0); err == nil {
		t.Error("cert from another CA accepted")
	}
	if _, _, err := try(ca, -time.Minute); err == nil {
		t.Error("expired cert accepted")
	}
	if _, ok, err := a.Authenticate(httptest.NewRequest("GET", "/", nil)); ok || err != nil {
		t.Error("request without TLS authenticated")
	}
}
