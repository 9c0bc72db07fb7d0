package tables

import (
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/api"
)

func addRBAC(r registry) {
	r.add("roles", []metav1.TableColumnDefinition{nameColumn, createdAtColumn}, createdAtRow)
	r.add("clusterroles", []metav1.TableColumnDefinition{nameColumn, createdAtColumn}, createdAtRow)
	bindingColumns := []metav1.TableColumnDefinition{
		nameColumn, col("Role", "string", rbacv1.RoleBinding{}.SwaggerDoc()["roleRef"]), ageColumn,
		wide("Users", "string", "Users in the roleBinding"), wide("Groups", "string", "Groups in the roleBinding"),
		wide("ServiceAccounts", "string", "ServiceAccounts in the roleBinding"),
	}
	r.add("rolebindings", bindingColumns, func(obj api.Object, now time.Time) []any {
		b := obj.(*rbacv1.RoleBinding)
		return bindingRow(b.Name, b.CreationTimestamp, b.RoleRef, b.Subjects, now)
	})
	r.add("clusterrolebindings", bindingColumns, func(obj api.Object, now time.Time) []any {
		b := obj.(*rbacv1.ClusterRoleBinding)
		return bindingRow(b.Name, b.CreationTimestamp, b.RoleRef, b.Subjects, now)
	})
	r.add("leases", []metav1.TableColumnDefinition{
		nameColumn, col("Holder", "string", coordinationv1.LeaseSpec{}.SwaggerDoc()["holderIdentity"]), ageColumn,
	}, func(obj api.Object, now time.Time) []any {
		l := obj.(*coordinationv1.Lease)
		holder := ""
		if l.Spec.HolderIdentity != nil {
			holder = *l.Spec.HolderIdentity
		}
		return []any{l.Name, holder, age(l.CreationTimestamp, now)}
	})
}

func bindingRow(name string, created metav1.Time, ref rbacv1.RoleRef, subjects []rbacv1.Subject, now time.Time) []any {
	var users, groups, sas []string
	for _, s := range subjects {
		switch s.Kind {
		case rbacv1.UserKind:
			users = append(users, s.Name)
		case rbacv1.GroupKind:
			groups = append(groups, s.Name)
		case rbacv1.ServiceAccountKind:
			sas = append(sas, s.Namespace+":"+s.Name)
		}
	}
	return []any{name, ref.Kind + "/" + ref.Name, age(created, now),
		strings.Join(users, ", "), strings.Join(groups, ", "), strings.Join(sas, ", ")}
}
