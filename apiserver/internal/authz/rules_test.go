package authz

import (
	"context"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/internal/authn"
)

// RulesFor must list exactly what Authorize allows: a request is allowed
// iff one of the user's listed rules in its namespace allows it.
func TestRulesForAgreesWithAuthorize(t *testing.T) {
	src := fakeSource{
		crbs: BootstrapClusterRoleBindings(),
		rbs: []*rbacv1.RoleBinding{
			{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "v"}, RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "view"},
				Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "robot"}}},
			{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "r"}, RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "cm"},
				Subjects: []rbacv1.Subject{{Kind: "Group", Name: "devs"}}},
		},
		roles: map[string]*rbacv1.Role{"team/cm": {Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"create"}}}}},
	}
	z := Chain{Masters{}, NodeRestriction{}, RBAC{Source: src}}
	users := []*authn.User{
		{Name: "system:serviceaccount:team:robot", Groups: []string{"system:authenticated"}},
		{Name: "bob", Groups: []string{"devs", "system:authenticated"}},
		{Name: "root", Groups: []string{"system:masters"}},
		{Name: "nobody"},
	}
	var attrs []Attributes
	for _, ns := range []string{"team", "default"} {
		for _, verb := range []string{"get", "create", "delete"} {
			for _, res := range []string{"pods", "configmaps", "secrets", "selfsubjectaccessreviews"} {
				group := ""
				if res == "selfsubjectaccessreviews" {
					group = "authorization.k8s.io"
				}
				attrs = append(attrs, Attributes{ResourceRequest: true, Verb: verb, APIGroup: group, Resource: res, Namespace: ns})
			}
		}
		attrs = append(attrs, Attributes{Verb: "get", Path: "/version", Namespace: ns}, Attributes{Verb: "get", Path: "/metrics", Namespace: ns})
	}
	for _, u := range users {
		for _, a := range attrs {
			a.User = u
			rules, incomplete := z.RulesFor(u, a.Namespace)
			d, _ := z.Authorize(context.Background(), a)
			if incomplete || RulesAllow(rules, a) != (d == Allow) {
				t.Errorf("%s %s %s%s in %s: rules say %v, Authorize %v (incomplete %v)",
					u.Name, a.Verb, a.Resource, a.Path, a.Namespace, RulesAllow(rules, a), d, incomplete)
			}
		}
	}
	if rules, incomplete := (Chain{nonResolver{}}).RulesFor(users[0], "team"); !incomplete || len(rules) != 0 {
		t.Errorf("chain with a non-resolver: %v %v", rules, incomplete)
	}
}

type nonResolver struct{}

func (nonResolver) Authorize(context.Context, Attributes) (Decision, string) { return NoOpinion, "" }
