package authz

import (
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/wharfhq/wharf/apiserver/internal/authn"
)

// RuleResolver lists the rules that allow a user things in a namespace
// (cluster-wide rules included), as upstream's authorizer.RuleResolver;
// it backs SelfSubjectRulesReview. incomplete says some authorizer could
// not enumerate its rules.
type RuleResolver interface {
	RulesFor(u *authn.User, namespace string) (rules []rbacv1.PolicyRule, incomplete bool)
}

// allRules allow every verb on every resource and path.
func allRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		{Verbs: []string{rbacv1.VerbAll}, APIGroups: []string{rbacv1.APIGroupAll}, Resources: []string{rbacv1.ResourceAll}},
		{Verbs: []string{rbacv1.VerbAll}, NonResourceURLs: []string{rbacv1.NonResourceAll}},
	}
}

// RulesFor implements RuleResolver.
func (AlwaysAllow) RulesFor(*authn.User, string) ([]rbacv1.PolicyRule, bool) {
	return allRules(), false
}

// RulesFor implements RuleResolver.
func (Masters) RulesFor(u *authn.User, _ string) ([]rbacv1.PolicyRule, bool) {
	if u != nil && u.InGroup(authn.GroupMasters) {
		return allRules(), false
	}
	return nil, false
}

// RulesFor implements RuleResolver. NodeRestriction only takes rights
// away, so it adds no rules.
func (NodeRestriction) RulesFor(*authn.User, string) ([]rbacv1.PolicyRule, bool) { return nil, false }

// RulesFor implements RuleResolver: the rules of every ClusterRole bound
// to u cluster-wide, then those of the Roles and ClusterRoles bound to u
// in namespace, in binding order.
func (z RBAC) RulesFor(u *authn.User, namespace string) ([]rbacv1.PolicyRule, bool) {
	if u == nil {
		return nil, false
	}
	var out []rbacv1.PolicyRule
	for _, b := range z.Source.ClusterRoleBindings() {
		if b.RoleRef.Kind != "ClusterRole" || !bindsUser(b.Subjects, u, "") {
			continue
		}
		if r, ok := z.Source.ClusterRole(b.RoleRef.Name); ok {
			out = append(out, r.Rules...)
		}
	}
	if namespace == "" {
		return out, false
	}
	for _, b := range z.Source.RoleBindings(namespace) {
		if !bindsUser(b.Subjects, u, b.Namespace) {
			continue
		}
		switch b.RoleRef.Kind {
		case "ClusterRole":
			if r, ok := z.Source.ClusterRole(b.RoleRef.Name); ok {
				out = append(out, r.Rules...)
			}
		case "Role":
			if r, ok := z.Source.Role(b.Namespace, b.RoleRef.Name); ok {
				out = append(out, r.Rules...)
			}
		}
	}
	return out, false
}

// RulesFor implements RuleResolver: the union of its members' rules;
// members that are not RuleResolvers make the answer incomplete.
func (c Chain) RulesFor(u *authn.User, namespace string) ([]rbacv1.PolicyRule, bool) {
	var out []rbacv1.PolicyRule
	incomplete := false
	for _, z := range c {
		rr, ok := z.(RuleResolver)
		if !ok {
			incomplete = true
			continue
		}
		rules, inc := rr.RulesFor(u, namespace)
		out = append(out, rules...)
		incomplete = incomplete || inc
	}
	return out, incomplete
}
