package authn

import (
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// maxCachedCerts bounds the verified-certificate cache.
const maxCachedCerts = 4096

// X509 authenticates TLS client certificates signed by Roots: CN is the
// user name, O the groups. Verified chains are cached by the leaf's
// fingerprint until the leaf expires, so a client's requests cost one
// signature check, not one each. Use NewX509.
type X509 struct {
	roots *x509.CertPool
	now   func() time.Time
	mu    sync.Mutex
	cache map[[32]byte]cachedCert
}

type cachedCert struct {
	user     User
	notAfter time.Time
}

// NewX509 returns an authenticator trusting roots.
func NewX509(roots *x509.CertPool) *X509 {
	return &X509{roots: roots, now: time.Now, cache: map[[32]byte]cachedCert{}}
}

// Authenticate implements Authenticator.
func (a *X509) Authenticate(r *http.Request) (*User, bool, error) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil, false, nil
	}
	certs := r.TLS.PeerCertificates
	fp := sha256.Sum256(certs[0].Raw)
	now := a.now()
	a.mu.Lock()
	c, hit := a.cache[fp]
	a.mu.Unlock()
	if hit && now.Before(c.notAfter) && len(certs) == 1 {
		u := c.user
		return &u, true, nil
	}
	u, err := a.verify(certs, now)
	if err != nil {
		return nil, false, err
	}
	if len(certs) == 1 {
		a.mu.Lock()
		if len(a.cache) >= maxCachedCerts {
			clear(a.cache)
		}
		a.cache[fp] = cachedCert{user: *u, notAfter: certs[0].NotAfter}
		a.mu.Unlock()
	}
	return u, true, nil
}

func (a *X509) verify(certs []*x509.Certificate, now time.Time) (*User, error) {
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{
		Roots:         a.roots,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: verifying certificate %s failed: %w", ErrUnauthorized, describe(certs[0]), err)
	}
	leaf := certs[0]
	if leaf.Subject.CommonName == "" {
		return nil, fmt.Errorf("%w: client certificate has no common name", ErrUnauthorized)
	}
	return &User{Name: leaf.Subject.CommonName, Groups: append([]string(nil), leaf.Subject.Organization...)}, nil
}

func describe(c *x509.Certificate) string {
	return fmt.Sprintf("SN=%s, CN=%q, issuer=%q", c.SerialNumber, c.Subject.CommonName, c.Issuer.CommonName)
}
