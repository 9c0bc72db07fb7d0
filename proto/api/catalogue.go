package api

import (
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
)

// Info describes one API resource.
type Info struct {
	Group      string // "" for the core group
	Version    string
	Resource   string // plural, lower case: "pods"
	Singular   string // "pod"
	Kind       string // "Pod"
	Namespaced bool
	ShortNames []string
	Categories []string
	// Subresources served besides the main resource: "status", "scale",
	// "binding", "log", "eviction".
	Subresources []string
	// Fields returns the field-selector fields of an object beyond
	// metadata.name and metadata.namespace, which every resource has.
	Fields func(Object) map[string]string
	// TriggerField is the field most watches select on (pods:
	// spec.nodeName, one watch per kubelet); the apiserver's watch cache
	// indexes watchers by its value.
	TriggerField string
	// New and NewList return empty typed values (without TypeMeta; use
	// NewObject/NewListObject for that).
	New     func() Object
	NewList func() ListObject
}

// Verbs are the verbs every catalogued resource supports, in discovery order.
var Verbs = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}

var all = []*Info{
	// core/v1
	{Version: "v1", Resource: "namespaces", Singular: "namespace", Kind: "Namespace", ShortNames: []string{"ns"},
		Subresources: []string{"status", "finalize"}, Fields: namespaceFields,
		New: func() Object { return &corev1.Namespace{} }, NewList: func() ListObject { return &corev1.NamespaceList{} }},
	{Version: "v1", Resource: "pods", Singular: "pod", Kind: "Pod", Namespaced: true, ShortNames: []string{"po"},
		Categories: []string{"all"}, Subresources: []string{"status", "binding", "log", "eviction"}, Fields: podFields,
		TriggerField: "spec.nodeName",
		New:          func() Object { return &corev1.Pod{} }, NewList: func() ListObject { return &corev1.PodList{} }},
	{Version: "v1", Resource: "nodes", Singular: "node", Kind: "Node", ShortNames: []string{"no"},
		Subresources: []string{"status"}, Fields: nodeFields,
		New: func() Object { return &corev1.Node{} }, NewList: func() ListObject { return &corev1.NodeList{} }},
	{Version: "v1", Resource: "services", Singular: "service", Kind: "Service", Namespaced: true, ShortNames: []string{"svc"},
		Categories: []string{"all"}, Subresources: []string{"status"}, Fields: serviceFields,
		New: func() Object { return &corev1.Service{} }, NewList: func() ListObject { return &corev1.ServiceList{} }},
	{Version: "v1", Resource: "endpoints", Singular: "endpoints", Kind: "Endpoints", Namespaced: true, ShortNames: []string{"ep"},
		New: func() Object { return &corev1.Endpoints{} }, NewList: func() ListObject { return &corev1.EndpointsList{} }},
	{Version: "v1", Resource: "configmaps", Singular: "configmap", Kind: "ConfigMap", Namespaced: true, ShortNames: []string{"cm"},
		New: func() Object { return &corev1.ConfigMap{} }, NewList: func() ListObject { return &corev1.ConfigMapList{} }},
	{Version: "v1", Resource: "secrets", Singular: "secret", Kind: "Secret", Namespaced: true, Fields: secretFields,
		New: func() Object { return &corev1.Secret{} }, NewList: func() ListObject { return &corev1.SecretList{} }},
	{Version: "v1", Resource: "events", Singular: "event", Kind: "Event", Namespaced: true, ShortNames: []string{"ev"}, Fields: eventFields,
		New: func() Object { return &corev1.Event{} }, NewList: func() ListObject { return &corev1.EventList{} }},
	{Version: "v1", Resource: "serviceaccounts", Singular: "serviceaccount", Kind: "ServiceAccount", Namespaced: true, ShortNames: []string{"sa"},
		New: func() Object { return &corev1.ServiceAccount{} }, NewList: func() ListObject { return &corev1.ServiceAccountList{} }},
	{Version: "v1", Resource: "replicationcontrollers", Singular: "replicationcontroller", Kind: "ReplicationController", Namespaced: true,
		ShortNames: []string{"rc"}, Categories: []string{"all"}, Subresources: []string{"status", "scale"}, Fields: rcFields,
		New: func() Object { return &corev1.ReplicationController{} }, NewList: func() ListObject { return &corev1.ReplicationControllerList{} }},
	{Version: "v1", Resource: "persistentvolumes", Singular: "persistentvolume", Kind: "PersistentVolume", ShortNames: []string{"pv"},
		Subresources: []string{"status"},
		New:          func() Object { return &corev1.PersistentVolume{} }, NewList: func() ListObject { return &corev1.PersistentVolumeList{} }},
	{Version: "v1", Resource: "persistentvolumeclaims", Singular: "persistentvolumeclaim", Kind: "PersistentVolumeClaim", Namespaced: true,
		ShortNames: []string{"pvc"}, Subresources: []string{"status"},
		New: func() Object { return &corev1.PersistentVolumeClaim{} }, NewList: func() ListObject { return &corev1.PersistentVolumeClaimList{} }},
	{Version: "v1", Resource: "limitranges", Singular: "limitrange", Kind: "LimitRange", Namespaced: true, ShortNames: []string{"limits"},
		New: func() Object { return &corev1.LimitRange{} }, NewList: func() ListObject { return &corev1.LimitRangeList{} }},
	{Version: "v1", Resource: "resourcequotas", Singular: "resourcequota", Kind: "ResourceQuota", Namespaced: true, ShortNames: []string{"quota"},
		Subresources: []string{"status"},
		New:          func() Object { return &corev1.ResourceQuota{} }, NewList: func() ListObject { return &corev1.ResourceQuotaList{} }},

	// apps/v1
	{Group: "apps", Version: "v1", Resource: "deployments", Singular: "deployment", Kind: "Deployment", Namespaced: true,
		ShortNames: []string{"deploy"}, Categories: []string{"all"}, Subresources: []string{"status", "scale"},
		New: func() Object { return &appsv1.Deployment{} }, NewList: func() ListObject { return &appsv1.DeploymentList{} }},
	{Group: "apps", Version: "v1", Resource: "replicasets", Singular: "replicaset", Kind: "ReplicaSet", Namespaced: true,
		ShortNames: []string{"rs"}, Categories: []string{"all"}, Subresources: []string{"status", "scale"}, Fields: rsFields,
		New: func() Object { return &appsv1.ReplicaSet{} }, NewList: func() ListObject { return &appsv1.ReplicaSetList{} }},
	{Group: "apps", Version: "v1", Resource: "daemonsets", Singular: "daemonset", Kind: "DaemonSet", Namespaced: true,
		ShortNames: []string{"ds"}, Categories: []string{"all"}, Subresources: []string{"status"},
		New: func() Object { return &appsv1.DaemonSet{} }, NewList: func() ListObject { return &appsv1.DaemonSetList{} }},
	{Group: "apps", Version: "v1", Resource: "statefulsets", Singular: "statefulset", Kind: "StatefulSet", Namespaced: true,
		ShortNames: []string{"sts"}, Categories: []string{"all"}, Subresources: []string{"status", "scale"},
		New: func() Object { return &appsv1.StatefulSet{} }, NewList: func() ListObject { return &appsv1.StatefulSetList{} }},
	{Group: "apps", Version: "v1", Resource: "controllerrevisions", Singular: "controllerrevision", Kind: "ControllerRevision", Namespaced: true,
		New: func() Object { return &appsv1.ControllerRevision{} }, NewList: func() ListObject { return &appsv1.ControllerRevisionList{} }},

	// batch/v1
	{Group: "batch", Version: "v1", Resource: "jobs", Singular: "job", Kind: "Job", Namespaced: true,
		Categories: []string{"all"}, Subresources: []string{"status"}, Fields: jobFields,
		New: func() Object { return &batchv1.Job{} }, NewList: func() ListObject { return &batchv1.JobList{} }},
	{Group: "batch", Version: "v1", Resource: "cronjobs", Singular: "cronjob", Kind: "CronJob", Namespaced: true,
		ShortNames: []string{"cj"}, Categories: []string{"all"}, Subresources: []string{"status"},
		New: func() Object { return &batchv1.CronJob{} }, NewList: func() ListObject { return &batchv1.CronJobList{} }},

	// discovery.k8s.io/v1
	{Group: "discovery.k8s.io", Version: "v1", Resource: "endpointslices", Singular: "endpointslice", Kind: "EndpointSlice", Namespaced: true,
		New: func() Object { return &discoveryv1.EndpointSlice{} }, NewList: func() ListObject { return &discoveryv1.EndpointSliceList{} }},

	// coordination.k8s.io/v1
	{Group: "coordination.k8s.io", Version: "v1", Resource: "leases", Singular: "lease", Kind: "Lease", Namespaced: true,
		New: func() Object { return &coordinationv1.Lease{} }, NewList: func() ListObject { return &coordinationv1.LeaseList{} }},

	// networking.k8s.io/v1
	{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses", Singular: "ingress", Kind: "Ingress", Namespaced: true,
		ShortNames: []string{"ing"}, Subresources: []string{"status"},
		New: func() Object { return &networkingv1.Ingress{} }, NewList: func() ListObject { return &networkingv1.IngressList{} }},
	{Group: "networking.k8s.io", Version: "v1", Resource: "ingressclasses", Singular: "ingressclass", Kind: "IngressClass",
		New: func() Object { return &networkingv1.IngressClass{} }, NewList: func() ListObject { return &networkingv1.IngressClassList{} }},
	{Group: "networking.k8s.io", Version: "v1", Resource: "networkpolicies", Singular: "networkpolicy", Kind: "NetworkPolicy", Namespaced: true,
		ShortNames: []string{"netpol"},
		New:        func() Object { return &networkingv1.NetworkPolicy{} }, NewList: func() ListObject { return &networkingv1.NetworkPolicyList{} }},

	// policy/v1
	{Group: "policy", Version: "v1", Resource: "poddisruptionbudgets", Singular: "poddisruptionbudget", Kind: "PodDisruptionBudget", Namespaced: true,
		ShortNames: []string{"pdb"}, Subresources: []string{"status"},
		New: func() Object { return &policyv1.PodDisruptionBudget{} }, NewList: func() ListObject { return &policyv1.PodDisruptionBudgetList{} }},

	// storage.k8s.io/v1 (served so that upstream kube-scheduler's volume
	// plugins find what they list)
	{Group: "storage.k8s.io", Version: "v1", Resource: "storageclasses", Singular: "storageclass", Kind: "StorageClass", ShortNames: []string{"sc"},
		New: func() Object { return &storagev1.StorageClass{} }, NewList: func() ListObject { return &storagev1.StorageClassList{} }},
	{Group: "storage.k8s.io", Version: "v1", Resource: "csinodes", Singular: "csinode", Kind: "CSINode",
		New: func() Object { return &storagev1.CSINode{} }, NewList: func() ListObject { return &storagev1.CSINodeList{} }},
	{Group: "storage.k8s.io", Version: "v1", Resource: "csidrivers", Singular: "csidriver", Kind: "CSIDriver",
		New: func() Object { return &storagev1.CSIDriver{} }, NewList: func() ListObject { return &storagev1.CSIDriverList{} }},
	{Group: "storage.k8s.io", Version: "v1", Resource: "csistoragecapacities", Singular: "csistoragecapacity", Kind: "CSIStorageCapacity", Namespaced: true,
		New: func() Object { return &storagev1.CSIStorageCapacity{} }, NewList: func() ListObject { return &storagev1.CSIStorageCapacityList{} }},
	{Group: "storage.k8s.io", Version: "v1", Resource: "volumeattachments", Singular: "volumeattachment", Kind: "VolumeAttachment",
		Subresources: []string{"status"},
		New:          func() Object { return &storagev1.VolumeAttachment{} }, NewList: func() ListObject { return &storagev1.VolumeAttachmentList{} }},

	// resource.k8s.io/v1 (dynamic resource allocation objects kube-scheduler watches)
	{Group: "resource.k8s.io", Version: "v1", Resource: "resourceclaims", Singular: "resourceclaim", Kind: "ResourceClaim", Namespaced: true,
		Subresources: []string{"status"},
		New:          func() Object { return &resourcev1.ResourceClaim{} }, NewList: func() ListObject { return &resourcev1.ResourceClaimList{} }},
	{Group: "resource.k8s.io", Version: "v1", Resource: "resourceclaimtemplates", Singular: "resourceclaimtemplate", Kind: "ResourceClaimTemplate", Namespaced: true,
		New: func() Object { return &resourcev1.ResourceClaimTemplate{} }, NewList: func() ListObject { return &resourcev1.ResourceClaimTemplateList{} }},
	{Group: "resource.k8s.io", Version: "v1", Resource: "resourceslices", Singular: "resourceslice", Kind: "ResourceSlice",
		New: func() Object { return &resourcev1.ResourceSlice{} }, NewList: func() ListObject { return &resourcev1.ResourceSliceList{} }},
	{Group: "resource.k8s.io", Version: "v1", Resource: "deviceclasses", Singular: "deviceclass", Kind: "DeviceClass",
		New: func() Object { return &resourcev1.DeviceClass{} }, NewList: func() ListObject { return &resourcev1.DeviceClassList{} }},
	{Group: "resource.k8s.io", Version: "v1", Resource: "devicetaintrules", Singular: "devicetaintrule", Kind: "DeviceTaintRule",
		Subresources: []string{"status"},
		New:          func() Object { return &resourcev1.DeviceTaintRule{} }, NewList: func() ListObject { return &resourcev1.DeviceTaintRuleList{} }},

	// rbac.authorization.k8s.io/v1
	{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles", Singular: "role", Kind: "Role", Namespaced: true,
		New: func() Object { return &rbacv1.Role{} }, NewList: func() ListObject { return &rbacv1.RoleList{} }},
	{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings", Singular: "rolebinding", Kind: "RoleBinding", Namespaced: true,
		New: func() Object { return &rbacv1.RoleBinding{} }, NewList: func() ListObject { return &rbacv1.RoleBindingList{} }},
	{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles", Singular: "clusterrole", Kind: "ClusterRole",
		New: func() Object { return &rbacv1.ClusterRole{} }, NewList: func() ListObject { return &rbacv1.ClusterRoleList{} }},
	{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings", Singular: "clusterrolebinding", Kind: "ClusterRoleBinding",
		New: func() Object { return &rbacv1.ClusterRoleBinding{} }, NewList: func() ListObject { return &rbacv1.ClusterRoleBindingList{} }},
}

// All returns every catalogued resource. Callers must not modify the result.
func All() []*Info { return all }

// Lookup finds a resource by group, version and plural name.
func Lookup(group, version, resource string) (*Info, bool) {
	for _, i := range all {
		if i.Group == group && i.Version == version && i.Resource == resource {
			return i, true
		}
	}
	return nil, false
}

// LookupKind finds a resource by apiVersion ("v1", "apps/v1") and kind.
func LookupKind(apiVersion, kind string) (*Info, bool) {
	for _, i := range all {
		if i.APIVersion() == apiVersion && i.Kind == kind {
			return i, true
		}
	}
	return nil, false
}

// GroupVersions returns the served group/versions in discovery order, the
// core group ("v1") first.
func GroupVersions() []string {
	var out []string
	seen := map[string]bool{}
	for _, i := range all {
		gv := i.APIVersion()
		if !seen[gv] {
			seen[gv] = true
			out = append(out, gv)
		}
	}
	return out
}
