package authn

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
)

// Well-known users and groups.
const (
	GroupAuthenticated   = "system:authenticated"
	GroupUnauthenticated = "system:unauthenticated"
	GroupMasters         = "system:masters"
	UserAnonymous        = "system:anonymous"
	UserUnsecured        = "system:unsecured"
)

// User is an authenticated identity.
type User struct {
	Name   string
	UID    string
	Groups []string
}

// InGroup reports whether u is a member of group.
func (u *User) InGroup(group string) bool { return slices.Contains(u.Groups, group) }

// Authenticator finds the user of a request. ok is false when the request
// carries no credential of its kind; err is set for a bad credential.
type Authenticator interface {
	Authenticate(r *http.Request) (u *User, ok bool, err error)
}

// ErrUnauthorized is wrapped by errors for bad credentials.
var ErrUnauthorized = errors.New("unauthorized")

// Union tries each authenticator in order; the first that finds a
// credential decides. Authenticated users get system:authenticated.
type Union []Authenticator

// Authenticate implements Authenticator.
func (un Union) Authenticate(r *http.Request) (*User, bool, error) {
	for _, a := range un {
		u, ok, err := a.Authenticate(r)
		if err != nil {
			return nil, false, err
		}
		if ok {
			if u.Name != UserAnonymous && !u.InGroup(GroupAuthenticated) {
				u.Groups = append(slices.Clone(u.Groups), GroupAuthenticated)
			}
			return u, true, nil
		}
	}
	return nil, false, nil
}

// Anonymous accepts every request as system:anonymous; put it last.
type Anonymous struct{}

// Authenticate implements Authenticator.
func (Anonymous) Authenticate(*http.Request) (*User, bool, error) {
	return &User{Name: UserAnonymous, Groups: []string{GroupUnauthenticated}}, true, nil
}

// bearer returns the request's bearer token, if any.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

type userKey struct{}

// WithUser returns ctx carrying u.
func WithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the user WithUser stored in ctx.
func UserFrom(ctx context.Context) (*User, bool) {
	u, ok := ctx.Value(userKey{}).(*User)
	return u, ok
}
