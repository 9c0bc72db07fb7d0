package authz

import (
	"context"
	"fmt"
	"net/http"

	"github.com/wharfhq/wharf/apiserver/internal/authn"
	"github.com/wharfhq/wharf/apiserver/internal/authz/requestinfo"
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
	info := requestinfo.Parse(r.Method, r.URL)
	a := Attributes{
		Verb:            info.Verb,
		ResourceRequest: info.IsResourceRequest,
		APIGroup:        info.APIGroup,
		APIVersion:      info.APIVersion,
		Resource:        info.Resource.Resource,
		Subresource:     info.Subresource,
		Namespace:       info.Namespace,
		Name:            info.Name,
		Path:            info.Path,
	}
	if a.Resource == "namespaces" {
		// A namespace is authorized in itself: creating pods in ns needs
		// rights in ns, and so does reading or finalizing ns.
		a.Namespace = a.Name
	}
	return a
}
