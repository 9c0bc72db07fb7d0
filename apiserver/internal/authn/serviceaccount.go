package authn

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Issuer is the "iss" of ServiceAccount tokens.
const Issuer = "https://kubernetes.default.svc.cluster.local"

// ServiceAccountUser is the user name of a ServiceAccount.
func ServiceAccountUser(namespace, name string) string {
	return "system:serviceaccount:" + namespace + ":" + name
}

// SALookup returns the uid of a live ServiceAccount, ok false if it does
// not exist.
type SALookup func(ctx context.Context, namespace, name string) (uid string, ok bool)

// ServiceAccounts issues and verifies ServiceAccount JWTs (ES256).
type ServiceAccounts struct {
	Key    crypto.Signer
	Lookup SALookup
	// Now is the clock; time.Now if nil.
	Now func() time.Time
}

type saClaims struct {
	jwt.RegisteredClaims
	Kubernetes k8sClaims `json:"kubernetes.io"`
}

type k8sClaims struct {
	Namespace      string `json:"namespace"`
	ServiceAccount struct {
		Name string `json:"name"`
		UID  string `json:"uid"`
	} `json:"serviceaccount"`
}

func (s *ServiceAccounts) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Issue signs a token for the ServiceAccount namespace/name with uid,
// valid for ttl.
func (s *ServiceAccounts) Issue(namespace, name, uid string, ttl time.Duration) (string, time.Time, error) {
	now := s.now()
	exp := now.Add(ttl)
	c := saClaims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer:    Issuer,
		Subject:   ServiceAccountUser(namespace, name),
		Audience:  jwt.ClaimStrings{Issuer},
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp),
	}}
	c.Kubernetes.Namespace = namespace
	c.Kubernetes.ServiceAccount.Name = name
	c.Kubernetes.ServiceAccount.UID = uid
	tok, err := jwt.NewWithClaims(jwt.SigningMethodES256, c).SignedString(s.Key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("authn: sign token: %w", err)
	}
	return tok, exp, nil
}

// Authenticate implements Authenticator. Bearer tokens that are not JWTs
// of our issuer are left to others.
func (s *ServiceAccounts) Authenticate(r *http.Request) (*User, bool, error) {
	tok, ok := bearer(r)
	if !ok || strings.Count(tok, ".") != 2 {
		return nil, false, nil
	}
	var c saClaims
	_, err := jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return s.Key.Public(), nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuer(Issuer), jwt.WithTimeFunc(s.now),
		jwt.WithExpirationRequired())
	if errors.Is(err, jwt.ErrTokenMalformed) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("%w: invalid bearer token: %w", ErrUnauthorized, err)
	}
	ns, name := c.Kubernetes.Namespace, c.Kubernetes.ServiceAccount.Name
	if ns == "" || name == "" || c.Subject != ServiceAccountUser(ns, name) {
		return nil, false, fmt.Errorf("%w: invalid bearer token: bad service account claims", ErrUnauthorized)
	}
	if s.Lookup != nil {
		uid, ok := s.Lookup(r.Context(), ns, name)
		if !ok || (c.Kubernetes.ServiceAccount.UID != "" && uid != c.Kubernetes.ServiceAccount.UID) {
			return nil, false, fmt.Errorf("%w: invalid bearer token: service account %s/%s has been deleted", ErrUnauthorized, ns, name)
		}
	}
	return &User{Name: c.Subject, UID: c.Kubernetes.ServiceAccount.UID,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + ns}}, true, nil
}
