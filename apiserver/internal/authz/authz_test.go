package authz

import (
	"context"
	"net/http/httptest"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/internal/authn"
)

func TestResolve(t *testing.T) {
	cases := []struct {
		method, url string
		want        Attributes
	}{
		{"GET", "/api/v1/namespaces/ns/pods", Attributes{Verb: "list", ResourceRequest: true, APIVersion: "v1", Resource: "pods", Namespace: "ns"}},
		{"GET", "/api/v1/pods?watch=1", Attributes{Verb: "watch", ResourceRequest: true, APIVersion: "v1", Resource: "pods"}},
		{"GET", "/api/v1/watch/namespaces/ns/pods/p", Attributes{Verb: "watch", ResourceRequest: true, APIVersion: "v1", Resource: "pods", Namespace: "ns", Name: "p"}},
		{"PUT", "/api/v1/namespaces/ns/pods/p/status", Attributes{Verb: "update", ResourceRequest: true, APIVersion: "v1", Resource: "pods", Subresource: "status", Namespace: "ns", Name: "p"}},
		{"DELETE", "/apis/apps/v1/namespaces/ns/deployments", Attributes{Verb: "deletecollection", ResourceRequest: true, APIGroup: "apps", APIVersion: "v1", Resource: "deployments", Namespace: "ns"}},
		{"GET", "/api/v1/namespaces/ns", Attributes{Verb: "get", ResourceRequest: true, APIVersion: "v1", Resource: "namespaces", Namespace: "ns", Name: "ns"}},
		{"PUT", "/api/v1/namespaces/ns/finalize", Attributes{Verb: "update", ResourceRequest: true, APIVersion: "v1", Resource: "namespaces", Subresource: "finalize", Namespace: "ns", Name: "ns"}},
		{"GET", "/healthz", Attributes{Verb: "get", Path: "/healthz"}},
		{"GET", "/apis/apps/v1", Attributes{Verb: "get", Path: "/apis/apps/v1"}},
	}
	for _, c := range cases {
		got := Resolve(httptest.NewRequest(c.method, c.url, nil))
		if c.want.ResourceRequest {
			got.Path = ""
		}
		if got != c.want {
			t.Errorf("%s %s:\n got %+v\nwant %+v", c.method, c.url, got, c.want)
		}
	}
}

func TestRuleMatching(t *testing.T) {
	rules := []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods", "pods/status"}, Verbs: []string{"get"}},
		{APIGroups: []string{"apps"}, Resources: []string{"*/scale"}, Verbs: []string{"update"}},
		{APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"one"}, Verbs: []string{"*"}},
		{NonResourceURLs: []string{"/metrics", "/debug/*"}, Verbs: []string{"get"}},
	}
	res := func(verb, group, resource, sub, name string) Attributes {
		return Attributes{ResourceRequest: true, Verb: verb, APIGroup: group, Resource: resource, Subresource: sub, Name: name}
	}
	allow := []Attributes{res("get", "", "pods", "", "x"), res("get", "", "pods", "status", "x"),
		res("update", "apps", "deployments", "scale", "d"), res("delete", "", "configmaps", "", "one"),
		{Verb: "get", Path: "/metrics"}, {Verb: "get", Path: "/debug/pprof"}}
	deny := []Attributes{res("list", "", "pods", "", ""), res("get", "", "pods", "log", "x"),
		res("update", "apps", "deployments", "", "d"), res("delete", "", "configmaps", "", "two"),
		res("get", "apps", "pods", "", "x"), {Verb: "post", Path: "/metrics"}, {Verb: "get", Path: "/api"}}
	for _, a := range allow {
		if !RulesAllow(rules, a) {
			t.Errorf("denied %+v", a)
		}
	}
	for _, a := range deny {
		if RulesAllow(rules, a) {
			t.Errorf("allowed %+v", a)
		}
	}
}

type fakeSource struct {
	crbs  []*rbacv1.ClusterRoleBinding
	rbs   []*rbacv1.RoleBinding
	roles map[string]*rbacv1.Role
}

func (f fakeSource) ClusterRoleBindings() []*rbacv1.ClusterRoleBinding { return f.crbs }
func (f fakeSource) RoleBindings(ns string) []*rbacv1.RoleBinding {
	var out []*rbacv1.RoleBinding
	for _, b := range f.rbs {
		if b.Namespace == ns {
			out = append(out, b)
		}
	}
	return out
}
func (f fakeSource) ClusterRole(name string) (*rbacv1.ClusterRole, bool) {
	for _, r := range BootstrapClusterRoles() {
		if r.Name == name {
			return r, true
		}
	}
	return nil, false
}
func (f fakeSource) Role(ns, name string) (*rbacv1.Role, bool) {
	r, ok := f.roles[ns+"/"+name]
	return r, ok
}

func TestRBACBindings(t *testing.T) {
	src := fakeSource{
		crbs: BootstrapClusterRoleBindings(),
		rbs: []*rbacv1.RoleBinding{
			{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "v"}, RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "view"},
				Subjects: []rbacv1.Subject{{Kind: "User", Name: "alice"}, {Kind: "ServiceAccount", Name: "robot"}}},
			{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "r"}, RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "cm"},
				Subjects: []rbacv1.Subject{{Kind: "Group", Name: "devs"}}},
		},
		roles: map[string]*rbacv1.Role{"team/cm": {Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"create"}}}}},
	}
	z := Chain{Masters{}, RBAC{Source: src}}
	alice := &authn.User{Name: "alice", Groups: []string{"system:authenticated"}}
	robot := &authn.User{Name: "system:serviceaccount:team:robot"}
	dev := &authn.User{Name: "bob", Groups: []string{"devs"}}
	admin := &authn.User{Name: "root", Groups: []string{"system:masters"}}
	pods := func(u *authn.User, verb, ns string) Attributes {
		return Attributes{User: u, ResourceRequest: true, Verb: verb, Resource: "pods", Namespace: ns}
	}
	cases := []struct {
		a    Attributes
		want Decision
	}{
		{pods(alice, "list", "team"), Allow},
		{pods(alice, "create", "team"), NoOpinion},
		{pods(alice, "list", "default"), NoOpinion},
		{pods(robot, "get", "team"), Allow},
		{pods(dev, "list", "team"), NoOpinion},
		{Attributes{User: dev, ResourceRequest: true, Verb: "create", Resource: "configmaps", Namespace: "team"}, Allow},
		{pods(admin, "delete", "anywhere"), Allow},
		{Attributes{User: alice, Verb: "get", Path: "/version"}, Allow},
		{Attributes{User: alice, Verb: "get", Path: "/metrics"}, NoOpinion},
	}
	for _, c := range cases {
		if got, _ := z.Authorize(context.Background(), c.a); got != c.want {
			t.Errorf("%s %s %s in %q: %v, want %v", c.a.User.Name, c.a.Verb, c.a.Resource+c.a.Path, c.a.Namespace, got, c.want)
		}
	}
	msg := ForbiddenMessage(pods(alice, "list", "default"))
	if want := `User "alice" cannot list resource "pods" in API group "" in the namespace "default"`; msg != want {
		t.Errorf("message %q\nwant    %q", msg, want)
	}
}

func TestNodeRestriction(t *testing.T) {
	z := NodeRestriction{PodNode: func(_ context.Context, ns, name string) (string, bool) {
		return map[string]string{"mine": "n1", "theirs": "n2"}[name], true
	}}
	n1 := &authn.User{Name: "system:node:n1", Groups: []string{"system:nodes"}}
	a := func(verb, group, res, sub, ns, name string) Attributes {
		return Attributes{User: n1, ResourceRequest: true, Verb: verb, APIGroup: group, Resource: res, Subresource: sub, Namespace: ns, Name: name}
	}
	cases := []struct {
		a    Attributes
		want Decision
	}{
		{a("update", "", "nodes", "", "", "n1"), NoOpinion},
		{a("update", "", "nodes", "status", "", "n2"), Deny},
		{a("delete", "", "nodes", "", "", "n2"), Deny},
		{a("update", "coordination.k8s.io", "leases", "", "kube-node-lease", "n2"), Deny},
		{a("update", "coordination.k8s.io", "leases", "", "kube-node-lease", "n1"), NoOpinion},
		{a("patch", "", "pods", "status", "default", "mine"), NoOpinion},
		{a("patch", "", "pods", "status", "default", "theirs"), Deny},
		{a("get", "", "nodes", "", "", "n2"), NoOpinion},
	}
	for _, c := range cases {
		if got, _ := z.Authorize(context.Background(), c.a); got != c.want {
			t.Errorf("%+v: %v, want %v", c.a, got, c.want)
		}
	}
}
