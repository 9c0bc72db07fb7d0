package authz

import (
	"context"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/wharfhq/wharf/apiserver/internal/authn"
)

// PolicySource reads RBAC objects. Returned objects are shared and must
// not be modified.
type PolicySource interface {
	ClusterRoleBindings() []*rbacv1.ClusterRoleBinding
	RoleBindings(namespace string) []*rbacv1.RoleBinding
	ClusterRole(name string) (*rbacv1.ClusterRole, bool)
	Role(namespace, name string) (*rbacv1.Role, bool)
}

// RBAC authorizes by Role/ClusterRole rules bound to the user. It never
// denies: what no rule allows gets NoOpinion.
type RBAC struct {
	Source PolicySource
}

// Authorize implements Authorizer.
func (z RBAC) Authorize(_ context.Context, a Attributes) (Decision, string) {
	if a.User == nil {
		return NoOpinion, ""
	}
	for _, b := range z.Source.ClusterRoleBindings() {
		if !bindsUser(b.Subjects, a.User, "") || b.RoleRef.Kind != "ClusterRole" {
			continue
		}
		if r, ok := z.Source.ClusterRole(b.RoleRef.Name); ok && RulesAllow(r.Rules, a) {
			return Allow, ""
		}
	}
	if a.Namespace == "" || !a.ResourceRequest {
		return NoOpinion, ""
	}
	for _, b := range z.Source.RoleBindings(a.Namespace) {
		if !bindsUser(b.Subjects, a.User, b.Namespace) {
			continue
		}
		if z.roleAllows(b, a) {
			return Allow, ""
		}
	}
	return NoOpinion, ""
}

func (z RBAC) roleAllows(b *rbacv1.RoleBinding, a Attributes) bool {
	switch b.RoleRef.Kind {
	case "ClusterRole":
		r, ok := z.Source.ClusterRole(b.RoleRef.Name)
		return ok && RulesAllow(r.Rules, a)
	case "Role":
		r, ok := z.Source.Role(b.Namespace, b.RoleRef.Name)
		return ok && RulesAllow(r.Rules, a)
	}
	return false
}

// bindsUser reports whether subjects include u; bindingNS is the default
// namespace of ServiceAccount subjects of RoleBindings.
func bindsUser(subjects []rbacv1.Subject, u *authn.User, bindingNS string) bool {
	for _, s := range subjects {
		switch s.Kind {
		case rbacv1.UserKind:
			if s.Name == u.Name {
				return true
			}
		case rbacv1.GroupKind:
			if u.InGroup(s.Name) {
				return true
			}
		case rbacv1.ServiceAccountKind:
			ns := s.Namespace
			if ns == "" {
				ns = bindingNS
			}
			if authn.ServiceAccountUser(ns, s.Name) == u.Name {
				return true
			}
		}
	}
	return false
}

// RulesAllow reports whether any rule allows a.
func RulesAllow(rules []rbacv1.PolicyRule, a Attributes) bool {
	for i := range rules {
		if ruleAllows(&rules[i], a) {
			return true
		}
	}
	return false
}

func ruleAllows(r *rbacv1.PolicyRule, a Attributes) bool {
	if !matches(r.Verbs, a.Verb) {
		return false
	}
	if !a.ResourceRequest {
		return nonResourceMatches(r.NonResourceURLs, a.Path)
	}
	if !matches(r.APIGroups, a.APIGroup) {
		return false
	}
	if !resourceMatches(r.Resources, a.Resource, a.Subresource) {
		return false
	}
	return len(r.ResourceNames) == 0 || slices.Contains(r.ResourceNames, a.Name)
}

func matches(list []string, v string) bool {
	for _, x := range list {
		if x == rbacv1.VerbAll || x == v {
			return true
		}
	}
	return false
}

// resourceMatches follows upstream: "*" matches all, "pods/status" only
// that subresource, "*/scale" the scale subresource of any resource.
func resourceMatches(list []string, res, sub string) bool {
	full := res
	if sub != "" {
		full = res + "/" + sub
	}
	for _, x := range list {
		switch {
		case x == rbacv1.ResourceAll || x == full:
			return true
		case sub != "" && x == "*/"+sub:
			return true
		}
	}
	return false
}

func nonResourceMatches(list []string, path string) bool {
	for _, x := range list {
		switch {
		case x == "*" || x == path:
			return true
		case strings.HasSuffix(x, "*") && strings.HasPrefix(path, strings.TrimSuffix(x, "*")):
			return true
		}
	}
	return false
}
