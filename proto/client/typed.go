package client

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/wharfhq/wharf/proto/api"
)

// typed returns the handle for a catalogued resource. A missing entry is a
// programming error in this file or the catalogue, never client input.
func typed[T api.Object](c *Client, group, resource, ns string) *Resource[T] {
	info, ok := api.Lookup(group, "v1", resource)
	if !ok {
		panic(fmt.Sprintf("client: resource %s/v1 %s missing from the api catalogue", group, resource))
	}
	return NewResource[T](c, info).Namespace(ns)
}

// Pods returns the pods of namespace ns ("" = all namespaces).
func Pods(c *Client, ns string) *Resource[*corev1.Pod] { return typed[*corev1.Pod](c, "", "pods", ns) }

// Nodes returns the nodes.
func Nodes(c *Client) *Resource[*corev1.Node] { return typed[*corev1.Node](c, "", "nodes", "") }

// Namespaces returns the namespaces.
func Namespaces(c *Client) *Resource[*corev1.Namespace] {
	return typed[*corev1.Namespace](c, "", "namespaces", "")
}

// Services returns the services of namespace ns ("" = all).
func Services(c *Client, ns string) *Resource[*corev1.Service] {
	return typed[*corev1.Service](c, "", "services", ns)
}

// Endpoints returns the endpoints of namespace ns ("" = all).
func Endpoints(c *Client, ns string) *Resource[*corev1.Endpoints] {
	return typed[*corev1.Endpoints](c, "", "endpoints", ns)
}

// ConfigMaps returns the config maps of namespace ns ("" = all).
func ConfigMaps(c *Client, ns string) *Resource[*corev1.ConfigMap] {
	return typed[*corev1.ConfigMap](c, "", "configmaps", ns)
}

// Secrets returns the secrets of namespace ns ("" = all).
func Secrets(c *Client, ns string) *Resource[*corev1.Secret] {
	return typed[*corev1.Secret](c, "", "secrets", ns)
}

// Events returns the core/v1 events of namespace ns ("" = all).
func Events(c *Client, ns string) *Resource[*corev1.Event] {
	return typed[*corev1.Event](c, "", "events", ns)
}

// ServiceAccounts returns the service accounts of namespace ns ("" = all).
func ServiceAccounts(c *Client, ns string) *Resource[*corev1.ServiceAccount] {
	return typed[*corev1.ServiceAccount](c, "", "serviceaccounts", ns)
}

// ReplicationControllers returns the replication controllers of ns ("" = all).
func ReplicationControllers(c *Client, ns string) *Resource[*corev1.ReplicationController] {
	return typed[*corev1.ReplicationController](c, "", "replicationcontrollers", ns)
}

// PersistentVolumes returns the persistent volumes.
func PersistentVolumes(c *Client) *Resource[*corev1.PersistentVolume] {
	return typed[*corev1.PersistentVolume](c, "", "persistentvolumes", "")
}

// PersistentVolumeClaims returns the claims of namespace ns ("" = all).
func PersistentVolumeClaims(c *Client, ns string) *Resource[*corev1.PersistentVolumeClaim] {
	return typed[*corev1.PersistentVolumeClaim](c, "", "persistentvolumeclaims", ns)
}

// LimitRanges returns the limit ranges of namespace ns ("" = all).
func LimitRanges(c *Client, ns string) *Resource[*corev1.LimitRange] {
	return typed[*corev1.LimitRange](c, "", "limitranges", ns)
}

// ResourceQuotas returns the quotas of namespace ns ("" = all).
func ResourceQuotas(c *Client, ns string) *Resource[*corev1.ResourceQuota] {
	return typed[*corev1.ResourceQuota](c, "", "resourcequotas", ns)
}

// Deployments returns the deployments of namespace ns ("" = all).
func Deployments(c *Client, ns string) *Resource[*appsv1.Deployment] {
	return typed[*appsv1.Deployment](c, "apps", "deployments", ns)
}

// ReplicaSets returns the replica sets of namespace ns ("" = all).
func ReplicaSets(c *Client, ns string) *Resource[*appsv1.ReplicaSet] {
	return typed[*appsv1.ReplicaSet](c, "apps", "replicasets", ns)
}

// DaemonSets returns the daemon sets of namespace ns ("" = all).
func DaemonSets(c *Client, ns string) *Resource[*appsv1.DaemonSet] {
	return typed[*appsv1.DaemonSet](c, "apps", "daemonsets", ns)
}

// StatefulSets returns the stateful sets of namespace ns ("" = all).
func StatefulSets(c *Client, ns string) *Resource[*appsv1.StatefulSet] {
	return typed[*appsv1.StatefulSet](c, "apps", "statefulsets", ns)
}

// ControllerRevisions returns the controller revisions of ns ("" = all).
func ControllerRevisions(c *Client, ns string) *Resource[*appsv1.ControllerRevision] {
	return typed[*appsv1.ControllerRevision](c, "apps", "controllerrevisions", ns)
}

// Jobs returns the jobs of namespace ns ("" = all).
func Jobs(c *Client, ns string) *Resource[*batchv1.Job] {
	return typed[*batchv1.Job](c, "batch", "jobs", ns)
}

// CronJobs returns the cron jobs of namespace ns ("" = all).
func CronJobs(c *Client, ns string) *Resource[*batchv1.CronJob] {
	return typed[*batchv1.CronJob](c, "batch", "cronjobs", ns)
}

// EndpointSlices returns the endpoint slices of namespace ns ("" = all).
func EndpointSlices(c *Client, ns string) *Resource[*discoveryv1.EndpointSlice] {
	return typed[*discoveryv1.EndpointSlice](c, "discovery.k8s.io", "endpointslices", ns)
}

// Leases returns the leases of namespace ns ("" = all).
func Leases(c *Client, ns string) *Resource[*coordinationv1.Lease] {
	return typed[*coordinationv1.Lease](c, "coordination.k8s.io", "leases", ns)
}

// Roles returns the roles of namespace ns ("" = all).
func Roles(c *Client, ns string) *Resource[*rbacv1.Role] {
	return typed[*rbacv1.Role](c, "rbac.authorization.k8s.io", "roles", ns)
}

// RoleBindings returns the role bindings of namespace ns ("" = all).
func RoleBindings(c *Client, ns string) *Resource[*rbacv1.RoleBinding] {
	return typed[*rbacv1.RoleBinding](c, "rbac.authorization.k8s.io", "rolebindings", ns)
}

// ClusterRoles returns the cluster roles.
func ClusterRoles(c *Client) *Resource[*rbacv1.ClusterRole] {
	return typed[*rbacv1.ClusterRole](c, "rbac.authorization.k8s.io", "clusterroles", "")
}

// ClusterRoleBindings returns the cluster role bindings.
func ClusterRoleBindings(c *Client) *Resource[*rbacv1.ClusterRoleBinding] {
	return typed[*rbacv1.ClusterRoleBinding](c, "rbac.authorization.k8s.io", "clusterrolebindings", "")
}
