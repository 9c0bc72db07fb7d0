package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"slices"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/wharfhq/wharf/apiserver/internal/authn"
	"github.com/wharfhq/wharf/apiserver/internal/authz"
	"github.com/wharfhq/wharf/apiserver/internal/codec"
	"github.com/wharfhq/wharf/apiserver/internal/pki"
	"github.com/wharfhq/wharf/apiserver/internal/watchcache"
	"github.com/wharfhq/wharf/proto/api"
)

// security is what the secure port needs: TLS, who the caller is, what
// they may do.
type security struct {
	pki       *pki.Dir
	tls       *tls.Config
	authn     authn.Authenticator
	authz     authz.Authorizer
	sa        *authn.ServiceAccounts
	tokens    authn.Authenticator // bearer token authenticators, for TokenReviews
	ownPKI    bool                // serving cert and client CA are CertDir's, so an admin kubeconfig can be written
	kubeletTC *tls.Config
}

// newSecurity ensures the PKI in CertDir and builds the authenticators
// and authorizers opts ask for over the watch caches.
func newSecurity(opts Options, serviceIP net.IP, caches map[string]*watchcache.Cache) (*security, error) {
	dir, err := pki.EnsureDir(opts.CertDir, pki.DefaultSANs(serviceIP, net.ParseIP(opts.AdvertiseAddress)))
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	s := &security{pki: dir, ownPKI: opts.TLSCertFile == "" && opts.ClientCAFile == ""}
	certFile, keyFile := dir.File(pki.ServingCert), dir.File(pki.ServingKey)
	if opts.TLSCertFile != "" {
		certFile, keyFile = opts.TLSCertFile, opts.TLSKeyFile
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("app: serving certificate: %w", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(dir.CA.Cert)
	if opts.ClientCAFile != "" {
		b, err := os.ReadFile(opts.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("app: client CA: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("app: client CA %s: no certificates", opts.ClientCAFile)
		}
	}
	// Client certificates are checked by the x509 authenticator, so a bad
	// one gets a 401 Status rather than a failed handshake.
	s.tls = &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequestClientCert,
		MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}}
	if err := s.buildAuthn(opts, roots, caches); err != nil {
		return nil, err
	}
	s.authz = buildAuthz(opts, caches)
	kc, err := tls.LoadX509KeyPair(dir.File(pki.KubeletClientCrt), dir.File(pki.KubeletClientKey))
	if err != nil {
		return nil, fmt.Errorf("app: kubelet client certificate: %w", err)
	}
	s.kubeletTC = &tls.Config{Certificates: []tls.Certificate{kc}, InsecureSkipVerify: true} //nolint:gosec // kubelet serving certs are self-signed, as upstream without --kubelet-certificate-authority
	return s, nil
}

func (s *security) buildAuthn(opts Options, roots *x509.CertPool, caches map[string]*watchcache.Cache) error {
	key, err := pki.ReadKey(s.pki.File(pki.SAKey))
	if err != nil {
		return fmt.Errorf("app: %w", err)
	}
	s.sa = &authn.ServiceAccounts{Key: key, Lookup: saLookup(caches)}
	chain := authn.Union{authn.NewX509(roots)}
	if opts.TokenAuthFile != "" {
		tf, err := authn.LoadTokenFile(opts.TokenAuthFile)
		if err != nil {
			return fmt.Errorf("app: %w", err)
		}
		chain = append(chain, tf)
	}
	chain = append(chain, s.sa)
	s.tokens = slices.Clone(chain[1:])
	if opts.AnonymousAuth {
		chain = append(chain, authn.Anonymous{})
	}
	s.authn = chain
	return nil
}

func buildAuthz(opts Options, caches map[string]*watchcache.Cache) authz.Authorizer {
	if opts.AuthorizationMode == ModeAlwaysAllow {
		return authz.AlwaysAllow{}
	}
	return authz.Chain{authz.Masters{}, authz.NodeRestriction{PodNode: podNode(caches)}, authz.RBAC{Source: cacheSource(caches)}}
}

func info(resource string) *api.Info {
	for _, i := range api.All() {
		if i.Resource == resource {
			return i
		}
	}
	panic("app: resource not catalogued: " + resource)
}

var (
	saInfo   = info("serviceaccounts")
	podInfo  = info("pods")
	crInfo   = info("clusterroles")
	crbInfo  = info("clusterrolebindings")
	roleInfo = info("roles")
	rbInfo   = info("rolebindings")
	svcInfo  = info("services")
)

func saLookup(caches map[string]*watchcache.Cache) authn.SALookup {
	return func(_ context.Context, ns, name string) (string, bool) {
		o, ok := caches[saInfo.Resource].Get(codec.Key(saInfo, ns, name))
		if !ok {
			return "", false
		}
		return string(o.GetUID()), true
	}
}

func podNode(caches map[string]*watchcache.Cache) authz.PodNode {
	return func(_ context.Context, ns, name string) (string, bool) {
		o, ok := caches[podInfo.Resource].Get(codec.Key(podInfo, ns, name))
		if !ok {
			return "", false
		}
		p, ok := o.(*corev1.Pod)
		return p.Spec.NodeName, ok
	}
}

// cacheSource reads RBAC objects from the watch caches.
type cacheSource map[string]*watchcache.Cache

func (c cacheSource) ClusterRoleBindings() []*rbacv1.ClusterRoleBinding {
	objs, _ := c[crbInfo.Resource].List(codec.Prefix(crbInfo, ""))
	return typed[*rbacv1.ClusterRoleBinding](objs)
}

func (c cacheSource) RoleBindings(ns string) []*rbacv1.RoleBinding {
	objs, _ := c[rbInfo.Resource].List(codec.Prefix(rbInfo, ns))
	return typed[*rbacv1.RoleBinding](objs)
}

func (c cacheSource) ClusterRole(name string) (*rbacv1.ClusterRole, bool) {
	o, ok := c[crInfo.Resource].Get(codec.Key(crInfo, "", name))
	r, ok2 := o.(*rbacv1.ClusterRole)
	return r, ok && ok2
}

func (c cacheSource) Role(ns, name string) (*rbacv1.Role, bool) {
	o, ok := c[roleInfo.Resource].Get(codec.Key(roleInfo, ns, name))
	r, ok2 := o.(*rbacv1.Role)
	return r, ok && ok2
}

func typed[T any](objs []api.Object) []T {
	out := make([]T, 0, len(objs))
	for _, o := range objs {
		if t, ok := o.(T); ok {
			out = append(out, t)
		}
	}
	return out
}
