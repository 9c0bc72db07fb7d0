package authz

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/wharfhq/wharf/apiserver/internal/authn"
)

// Attributes describe a request for authorization, as upstream's
// authorizer.Attributes.
type Attributes struct {
	User            *authn.User
	Verb            string
	ResourceRequest bool
	// Resource requests.
	APIGroup, APIVersion, Resource, Subresource, Namespace, Name string
	// Path is the URL path of non-resource requests.
	Path string
}

// Decision is an authorizer's answer.
type Decision int

// Decisions.
const (
	NoOpinion Decision = iota
	Allow
	Deny
)

// Authorizer decides on a request. reason explains a Deny.
type Authorizer interface {
	Authorize(ctx context.Context, a Attributes) (d Decision, reason string)
}

// AlwaysAllow allows everything.
type AlwaysAllow struct{}

// Authorize implements Authorizer.
func (AlwaysAllow) Authorize(context.Context, Attributes) (Decision, string) { return Allow, "" }

// Chain asks each authorizer in turn; the first Allow or Deny wins.
type Chain []Authorizer

// Authorize implements Authorizer.
func (c Chain) Authorize(ctx context.Context, a Attributes) (Decision, string) {
	for _, z := range c {
		if d, why := z.Authorize(ctx, a); d != NoOpinion {
			return d, why
		}
	}
	return NoOpinion, ""
}

// Masters allows members of system:masters everything.
type Masters struct{}

// Authorize implements Authorizer.
func (Masters) Authorize(_ context.Context, a Attributes) (Decision, string) {
	if a.User != nil && a.User.InGroup(authn.GroupMasters) {
		return Allow, ""
	}
	return NoOpinion, ""
}

// ForbiddenMessage is upstream's text for a denied request, after the
// `<resource> "<name>" is forbidden: ` prefix.
func ForbiddenMessage(a Attributes) string {
	user := ""
	if a.User != nil {
		user = a.User.Name
	}
	if !a.ResourceRequest {
		return fmt.Sprintf("User %q cannot %s path %q", user, a.Verb, a.Path)
	}
	res := a.Resource
	if a.Subresource != "" {
		res += "/" + a.Subresource
	}
	scope := "at the cluster scope"
	if a.Namespace != "" {
		scope = "in the namespace " + fmt.Sprintf("%q", a.Namespace)
	}
	return fmt.Sprintf("User %q cannot %s resource %q in API group %q %s", user, a.Verb, res, a.APIGroup, scope)
}

// Resolve derives the attributes of r (without the user), following
// upstream's RequestInfoFactory.
func Resolve(r *http.Request) Attributes {
	path := strings.Trim(r.URL.Path, "/")
	parts := strings.Split(path, "/")
	a := Attributes{Path: r.URL.Path, Verb: strings.ToLower(r.Method)}
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		a.APIVersion, parts = parts[1], parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		a.APIGroup, a.APIVersion, parts = parts[1], parts[2], parts[3:]
	default:
		return a
	}
	a.ResourceRequest = true
	watching := false
	if parts[0] == "watch" {
		watching, parts = true, parts[1:]
	}
	if len(parts) >= 2 && parts[0] == "namespaces" {
		a.Namespace = parts[1]
		if len(parts) >= 3 {
			parts = parts[2:]
		} else {
			parts = parts[:1] // "namespaces/<ns>" is the namespace object itself
			a.Name = a.Namespace
		}
		if parts[0] == "status" || parts[0] == "finalize" {
			parts = []string{"namespaces", a.Namespace, parts[0]}
		}
	}
	if len(parts) > 0 {
		a.Resource = parts[0]
	}
	if len(parts) > 1 {
		a.Name = parts[1]
	}
	if len(parts) > 2 {
		a.Subresource = parts[2]
	}
	if a.Resource == "namespaces" {
		a.Namespace = a.Name
		if a.Name == "" {
			a.Namespace = ""
		}
	}
	if q := r.URL.Query().Get("watch"); q == "1" || q == "true" {
		watching = true
	}
	a.Verb = resourceVerb(r.Method, a.Name != "", watching)
	return a
}

func resourceVerb(method string, named, watching bool) string {
	switch method {
	case http.MethodGet, http.MethodHead:
		switch {
		case watching:
			return "watch"
		case named:
			return "get"
		}
		return "list"
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		if named {
			return "delete"
		}
		return "deletecollection"
	}
	return strings.ToLower(method)
}
