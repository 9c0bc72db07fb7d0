package authz

import (
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var (
	readVerbs  = []string{"get", "list", "watch"}
	writeAll   = []string{"create", "delete", "deletecollection", "patch", "update"}
	readWrite  = append(append([]string{}, readVerbs...), writeAll...)
	coreEdit   = []string{"pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "pods/eviction", "replicationcontrollers", "replicationcontrollers/scale", "services", "services/proxy", "endpoints", "persistentvolumeclaims", "configmaps", "secrets", "serviceaccounts"}
	coreView   = []string{"pods", "pods/log", "pods/status", "replicationcontrollers", "replicationcontrollers/scale", "replicationcontrollers/status", "services", "services/status", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "configmaps", "serviceaccounts", "limitranges", "resourcequotas", "resourcequotas/status", "events", "namespaces", "namespaces/status"}
	appsRes    = []string{"deployments", "deployments/scale", "deployments/status", "replicasets", "replicasets/scale", "replicasets/status", "statefulsets", "statefulsets/scale", "statefulsets/status", "daemonsets", "daemonsets/status", "controllerrevisions"}
	batchRes   = []string{"jobs", "jobs/status", "cronjobs", "cronjobs/status"}
	netRes     = []string{"ingresses", "ingresses/status", "networkpolicies"}
	discovered = []string{"/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/readyz", "/openapi", "/openapi/*", "/version", "/version/"}
)

func rule(groups, resources, verbs []string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: groups, Resources: resources, Verbs: verbs}
}

func g(s ...string) []string { return s }

// viewRules are the read-only rules shared by view, edit and admin.
func viewRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		rule(g(""), coreView, readVerbs),
		rule(g("apps"), appsRes, readVerbs),
		rule(g("batch"), batchRes, readVerbs),
		rule(g("autoscaling"), g("horizontalpodautoscalers", "horizontalpodautoscalers/status"), readVerbs),
		rule(g("networking.k8s.io"), netRes, readVerbs),
		rule(g("policy"), g("poddisruptionbudgets", "poddisruptionbudgets/status"), readVerbs),
		rule(g("discovery.k8s.io"), g("endpointslices"), readVerbs),
	}
}

func editRules() []rbacv1.PolicyRule {
	return append(viewRules(),
		rule(g(""), coreEdit, readWrite),
		rule(g(""), g("secrets"), readVerbs),
		rule(g("apps"), appsRes, readWrite),
		rule(g("batch"), batchRes, readWrite),
		rule(g("autoscaling"), g("horizontalpodautoscalers"), readWrite),
		rule(g("networking.k8s.io"), netRes, readWrite),
		rule(g("policy"), g("poddisruptionbudgets"), readWrite),
		rule(g("coordination.k8s.io"), g("leases"), readWrite),
		rule(g("discovery.k8s.io"), g("endpointslices"), readWrite),
	)
}

func adminRules() []rbacv1.PolicyRule {
	return append(editRules(),
		rule(g("rbac.authorization.k8s.io"), g("roles", "rolebindings"), readWrite),
		rule(g("authorization.k8s.io"), g("localsubjectaccessreviews"), g("create")),
	)
}

func nodeRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		rule(g(""), g("nodes"), g("create", "get", "list", "watch", "update", "patch", "delete")),
		rule(g(""), g("nodes/status"), g("update", "patch")),
		rule(g(""), g("pods"), g("get", "list", "watch", "create", "delete")),
		rule(g(""), g("pods/status"), g("update", "patch")),
		rule(g(""), g("pods/eviction"), g("create")),
		rule(g(""), g("services", "endpoints", "configmaps", "secrets", "persistentvolumeclaims", "persistentvolumes", "namespaces"), readVerbs),
		rule(g(""), g("events"), g("create", "update", "patch")),
		rule(g(""), g("serviceaccounts/token"), g("create")),
		rule(g("coordination.k8s.io"), g("leases"), g("get", "create", "update", "patch", "delete")),
		rule(g("discovery.k8s.io"), g("endpointslices"), readVerbs),
		rule(g("storage.k8s.io"), g("storageclasses", "csidrivers"), readVerbs),
	}
}

func schedulerRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		rule(g("", "events.k8s.io"), g("events"), g("create", "patch", "update")),
		rule(g("coordination.k8s.io"), g("leases"), g("create", "get", "update")),
		rule(g(""), g("nodes", "namespaces", "services", "replicationcontrollers", "persistentvolumeclaims", "persistentvolumes"), readVerbs),
		rule(g(""), g("pods"), g("get", "list", "watch", "delete")),
		rule(g(""), g("bindings", "pods/binding"), g("create")),
		rule(g(""), g("pods/status"), g("patch", "update")),
		rule(g("apps"), g("replicasets", "statefulsets"), readVerbs),
		rule(g("policy"), g("poddisruptionbudgets"), readVerbs),
		rule(g("storage.k8s.io"), g("storageclasses", "csinodes", "csidrivers", "csistoragecapacities"), readVerbs),
	}
}

func proxierRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		rule(g(""), g("services", "endpoints", "nodes"), g("get", "list", "watch")),
		rule(g("discovery.k8s.io"), g("endpointslices"), g("list", "watch")),
		rule(g("", "events.k8s.io"), g("events"), g("create", "patch", "update")),
	}
}

func clusterRole(name string, rules ...rbacv1.PolicyRule) *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{
		TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/bootstrapping": "rbac-defaults"},
			Annotations: map[string]string{"rbac.authorization.kubernetes.io/autoupdate": "true"}},
		Rules: rules,
	}
}

// BootstrapClusterRoles are the default ClusterRoles, as upstream's.
func BootstrapClusterRoles() []*rbacv1.ClusterRole {
	all := rbacv1.PolicyRule{APIGroups: g("*"), Resources: g("*"), Verbs: g("*")}
	return []*rbacv1.ClusterRole{
		clusterRole("cluster-admin", all, rbacv1.PolicyRule{NonResourceURLs: g("*"), Verbs: g("*")}),
		clusterRole("admin", adminRules()...),
		clusterRole("edit", editRules()...),
		clusterRole("view", viewRules()...),
		clusterRole("system:discovery", rbacv1.PolicyRule{NonResourceURLs: discovered, Verbs: g("get")}),
		clusterRole("system:public-info-viewer", rbacv1.PolicyRule{NonResourceURLs: g("/healthz", "/livez", "/readyz", "/version", "/version/"), Verbs: g("get")}),
		clusterRole("system:basic-user", rule(g("authorization.k8s.io"), g("selfsubjectaccessreviews", "selfsubjectrulesreviews"), g("create")),
			rule(g("authentication.k8s.io"), g("selfsubjectreviews"), g("create"))),
		clusterRole("system:auth-delegator", rule(g("authentication.k8s.io"), g("tokenreviews"), g("create")),
			rule(g("authorization.k8s.io"), g("subjectaccessreviews"), g("create"))),
		clusterRole("system:node", nodeRules()...),
		clusterRole("system:kube-scheduler", schedulerRules()...),
		clusterRole("system:kube-controller-manager", all),
		clusterRole("system:node-proxier", proxierRules()...),
	}
}

// BootstrapClusterRoleBindings bind the default ClusterRoles.
func BootstrapClusterRoleBindings() []*rbacv1.ClusterRoleBinding {
	user := func(n string) rbacv1.Subject {
		return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: n}
	}
	group := func(n string) rbacv1.Subject {
		return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: n}
	}
	b := func(name, role string, subjects ...rbacv1.Subject) *rbacv1.ClusterRoleBinding {
		return &rbacv1.ClusterRoleBinding{
			TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/bootstrapping": "rbac-defaults"},
				Annotations: map[string]string{"rbac.authorization.kubernetes.io/autoupdate": "true"}},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
			Subjects: subjects,
		}
	}
	return []*rbacv1.ClusterRoleBinding{
		b("cluster-admin", "cluster-admin", group("system:masters")),
		b("system:discovery", "system:discovery", group("system:authenticated")),
		b("system:basic-user", "system:basic-user", group("system:authenticated")),
		b("system:public-info-viewer", "system:public-info-viewer", group("system:authenticated"), group("system:unauthenticated")),
		b("system:node", "system:node", group("system:nodes")),
		b("system:kube-scheduler", "system:kube-scheduler", user("system:kube-scheduler")),
		b("system:kube-controller-manager", "system:kube-controller-manager", user("system:kube-controller-manager")),
		b("system:node-proxier", "system:node-proxier", user("system:kube-proxy")),
	}
}

// autoUpdate reports whether a stored bootstrap object may be updated:
// upstream reconciles default roles unless an admin set the
// rbac.authorization.kubernetes.io/autoupdate annotation to "false".
func autoUpdate(o metav1.Object) bool {
	return o.GetAnnotations()["rbac.authorization.kubernetes.io/autoupdate"] != "false"
}

// ReconcileClusterRole returns cur with the rules of want it lacks added,
// as upstream's bootstrap reconciliation does on every start (rules an
// admin added are kept); changed is false when nothing is missing or
// auto-update is off.
func ReconcileClusterRole(cur, want *rbacv1.ClusterRole) (out *rbacv1.ClusterRole, changed bool) {
	if !autoUpdate(cur) {
		return cur, false
	}
	for _, r := range want.Rules {
		if !slices.ContainsFunc(cur.Rules, func(have rbacv1.PolicyRule) bool { return equality.Semantic.DeepEqual(have, r) }) {
			cur.Rules = append(cur.Rules, r)
			changed = true
		}
	}
	return cur, changed
}

// ReconcileClusterRoleBinding returns cur with the subjects of want it
// lacks added (its roleRef is immutable and left alone).
func ReconcileClusterRoleBinding(cur, want *rbacv1.ClusterRoleBinding) (out *rbacv1.ClusterRoleBinding, changed bool) {
	if !autoUpdate(cur) {
		return cur, false
	}
	for _, s := range want.Subjects {
		if !slices.Contains(cur.Subjects, s) {
			cur.Subjects = append(cur.Subjects, s)
			changed = true
		}
	}
	return cur, changed
}
