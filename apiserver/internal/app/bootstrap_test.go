package app

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/wharfhq/wharf/apiserver/internal/authz"
)

// On start the default ClusterRoles get back rules they lack (as after an
// upgrade that added rules), keeping rules an admin added, unless the
// autoupdate annotation is "false".
func TestBootstrapReconcilesDefaultRoles(t *testing.T) {
	dir := t.TempDir()
	start := func() *Running {
		r, err := Start(context.Background(), Options{DisableTLS: true, Insecure: true, DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	get := func(r *Running, name string) *rbacv1.ClusterRole {
		code, body := do(t, "GET", r.URL()+"/apis/rbac.authorization.k8s.io/v1/clusterroles/"+name, "")
		if code != http.StatusOK {
			t.Fatalf("get %s: %d %s", name, code, body)
		}
		var role rbacv1.ClusterRole
		if err := json.Unmarshal(body, &role); err != nil {
			t.Fatal(err)
		}
		return &role
	}
	put := func(r *Running, role *rbacv1.ClusterRole) {
		b, _ := json.Marshal(role)
		if code, body := do(t, "PUT", r.URL()+"/apis/rbac.authorization.k8s.io/v1/clusterroles/"+role.Name, string(b)); code != http.StatusOK {
			t.Fatalf("put %s: %d %s", role.Name, code, body)
		}
	}
	custom := rbacv1.PolicyRule{APIGroups: []string{"example.com"}, Resources: []string{"widgets"}, Verbs: []string{"get"}}

	r := start()
	basic := get(r, "system:basic-user")
	want := len(basic.Rules)
	basic.Rules = append([]rbacv1.PolicyRule{custom}, basic.Rules[1:]...) // an old role: first rule missing, one added by an admin
	put(r, basic)
	view := get(r, "view")
	view.Annotations["rbac.authorization.kubernetes.io/autoupdate"] = "false"
	view.Rules = view.Rules[:1]
	put(r, view)
	_ = r.Close()

	r = start()
	defer r.Close()
	got := get(r, "system:basic-user")
	if len(got.Rules) != want+1 {
		t.Fatalf("system:basic-user has %d rules after restart, want %d (defaults) + 1 (custom): %+v", len(got.Rules), want, got.Rules)
	}
	for _, def := range authz.BootstrapClusterRoles() {
		if def.Name == "system:basic-user" {
			if _, missing := authz.ReconcileClusterRole(got.DeepCopy(), def); missing {
				t.Errorf("system:basic-user still lacks default rules: %+v", got.Rules)
			}
		}
	}
	if !slices.ContainsFunc(got.Rules, func(r rbacv1.PolicyRule) bool { return r.APIGroups[0] == "example.com" }) {
		t.Error("the admin's rule was dropped")
	}
	if v := get(r, "view"); len(v.Rules) != 1 {
		t.Errorf("view with autoupdate=false was changed: %d rules", len(v.Rules))
	}
}
