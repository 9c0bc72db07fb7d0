package client

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	resourcev1 "k8s.io/api/resource/v1"
	storagev1 "k8s.io/api/storage/v1"

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

// Ingresses returns the ingresses of namespace ns.
func Ingresses(c *Client, ns string) *Resource[*networkingv1.Ingress] {
	return typed[*networkingv1.Ingress](c, "networking.k8s.io", "ingresses", ns)
}

// IngressClasses returns the ingress classes.
func IngressClasses(c *Client) *Resource[*networkingv1.IngressClass] {
	return typed[*networkingv1.IngressClass](c, "networking.k8s.io", "ingressclasses", "")
}

// NetworkPolicies returns the network policies of namespace ns.
func NetworkPolicies(c *Client, ns string) *Resource[*networkingv1.NetworkPolicy] {
	return typed[*networkingv1.NetworkPolicy](c, "networking.k8s.io", "networkpolicies", ns)
}

// PodDisruptionBudgets returns the disruption budgets of namespace ns.
func PodDisruptionBudgets(c *Client, ns string) *Resource[*policyv1.PodDisruptionBudget] {
	return typed[*policyv1.PodDisruptionBudget](c, "policy", "poddisruptionbudgets", ns)
}

// StorageClasses returns the storage classes.
func StorageClasses(c *Client) *Resource[*storagev1.StorageClass] {
	return typed[*storagev1.StorageClass](c, "storage.k8s.io", "storageclasses", "")
}

// CSINodes returns the CSI node objects.
func CSINodes(c *Client) *Resource[*storagev1.CSINode] {
	return typed[*storagev1.CSINode](c, "storage.k8s.io", "csinodes", "")
}

// CSIDrivers returns the CSI drivers.
func CSIDrivers(c *Client) *Resource[*storagev1.CSIDriver] {
	return typed[*storagev1.CSIDriver](c, "storage.k8s.io", "csidrivers", "")
}

// CSIStorageCapacities returns the CSI storage capacities of namespace ns.
func CSIStorageCapacities(c *Client, ns string) *Resource[*storagev1.CSIStorageCapacity] {
	return typed[*storagev1.CSIStorageCapacity](c, "storage.k8s.io", "csistoragecapacities", ns)
}

// VolumeAttachments returns the volume attachments.
func VolumeAttachments(c *Client) *Resource[*storagev1.VolumeAttachment] {
	return typed[*storagev1.VolumeAttachment](c, "storage.k8s.io", "volumeattachments", "")
}

// ResourceClaims returns the resource claims of namespace ns.
func ResourceClaims(c *Client, ns string) *Resource[*resourcev1.ResourceClaim] {
	return typed[*resourcev1.ResourceClaim](c, "resource.k8s.io", "resourceclaims", ns)
}

// ResourceClaimTemplates returns the resource claim templates of namespace ns.
func ResourceClaimTemplates(c *Client, ns string) *Resource[*resourcev1.ResourceClaimTemplate] {
	return typed[*resourcev1.ResourceClaimTemplate](c, "resource.k8s.io", "resourceclaimtemplates", ns)
}

// ResourceSlices returns the resource slices.
func ResourceSlices(c *Client) *Resource[*resourcev1.ResourceSlice] {
	return typed[*resourcev1.ResourceSlice](c, "resource.k8s.io", "resourceslices", "")
}

// DeviceClasses returns the device classes.
func DeviceClasses(c *Client) *Resource[*resourcev1.DeviceClass] {
	return typed[*resourcev1.DeviceClass](c, "resource.k8s.io", "deviceclasses", "")
}

// DeviceTaintRules returns the device taint rules.
func DeviceTaintRules(c *Client) *Resource[*resourcev1.DeviceTaintRule] {
	return typed[*resourcev1.DeviceTaintRule](c, "resource.k8s.io", "devicetaintrules", "")
}
