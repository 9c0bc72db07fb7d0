package defaults

import (
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

// LabelMetadataName is the label upstream puts on every namespace,
// holding the namespace's own name.
const LabelMetadataName = "kubernetes.io/metadata.name"

// DefaultClientIPTimeout is upstream's sessionAffinityConfig timeout.
const DefaultClientIPTimeout = int32(10800)

// Service defaults: type ClusterIP, sessionAffinity None, port protocol
// TCP, targetPort = port, traffic policies Cluster, single-stack IPv4,
// clusterIPs mirrored from clusterIP.
func Service(s *corev1.Service) {
	sp := &s.Spec
	if sp.SessionAffinity == "" {
		sp.SessionAffinity = corev1.ServiceAffinityNone
	}
	if sp.SessionAffinity == corev1.ServiceAffinityClientIP && sp.SessionAffinityConfig == nil {
		sp.SessionAffinityConfig = &corev1.SessionAffinityConfig{
			ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptrTo(DefaultClientIPTimeout)},
		}
	}
	if sp.Type == "" {
		sp.Type = corev1.ServiceTypeClusterIP
	}
	for i := range sp.Ports {
		if sp.Ports[i].Protocol == "" {
			sp.Ports[i].Protocol = corev1.ProtocolTCP
		}
		servicePortTarget(&sp.Ports[i])
	}
	external := sp.Type == corev1.ServiceTypeNodePort || sp.Type == corev1.ServiceTypeLoadBalancer
	if external && sp.ExternalTrafficPolicy == "" {
		sp.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
	}
	if sp.Type == corev1.ServiceTypeLoadBalancer {
		setIfNil(&sp.AllocateLoadBalancerNodePorts, true)
	}
	if sp.Type == corev1.ServiceTypeExternalName {
		return
	}
	setIfNil(&sp.InternalTrafficPolicy, corev1.ServiceInternalTrafficPolicyCluster)
	setIfNil(&sp.IPFamilyPolicy, corev1.IPFamilyPolicySingleStack)
	if len(sp.IPFamilies) == 0 {
		sp.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
	}
	if sp.ClusterIP != "" && len(sp.ClusterIPs) == 0 {
		sp.ClusterIPs = []string{sp.ClusterIP}
	}
	if sp.ClusterIP == "" && len(sp.ClusterIPs) > 0 {
		sp.ClusterIP = sp.ClusterIPs[0]
	}
}

// Namespace defaults: the kubernetes.io/metadata.name label, the
// "kubernetes" finalizer and phase Active.
func Namespace(ns *corev1.Namespace) {
	if ns.Name != "" {
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		ns.Labels[LabelMetadataName] = ns.Name
	}
	if ns.Status.Phase == "" {
		ns.Status.Phase = corev1.NamespaceActive
	}
}

// NamespaceFinalizer adds the "kubernetes" finalizer upstream puts on
// every namespace at creation.
func NamespaceFinalizer(ns *corev1.Namespace) {
	for _, f := range ns.Spec.Finalizers {
		if f == corev1.FinalizerKubernetes {
			return
		}
	}
	ns.Spec.Finalizers = append(ns.Spec.Finalizers, corev1.FinalizerKubernetes)
}

func endpoints(e *corev1.Endpoints) {
	for i := range e.Subsets {
		for j := range e.Subsets[i].Ports {
			if e.Subsets[i].Ports[j].Protocol == "" {
				e.Subsets[i].Ports[j].Protocol = corev1.ProtocolTCP
			}
		}
	}
}

func endpointSlice(s *discoveryv1.EndpointSlice) {
	for i := range s.Ports {
		if s.Ports[i].Protocol == nil {
			s.Ports[i].Protocol = ptrTo(corev1.ProtocolTCP)
		}
		if s.Ports[i].Name == nil {
			s.Ports[i].Name = ptrTo("")
		}
	}
}

func node(n *corev1.Node) {
	if n.Status.Allocatable == nil && len(n.Status.Capacity) > 0 {
		n.Status.Allocatable = n.Status.Capacity.DeepCopy()
	}
}

func persistentVolume(pv *corev1.PersistentVolume) {
	if pv.Status.Phase == "" {
		pv.Status.Phase = corev1.VolumePending
	}
	if pv.Spec.PersistentVolumeReclaimPolicy == "" {
		pv.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
	}
	setIfNil(&pv.Spec.VolumeMode, corev1.PersistentVolumeFilesystem)
}

func persistentVolumeClaim(pvc *corev1.PersistentVolumeClaim) {
	if pvc.Status.Phase == "" {
		pvc.Status.Phase = corev1.ClaimPending
	}
	setIfNil(&pvc.Spec.VolumeMode, corev1.PersistentVolumeFilesystem)
}

// limitRange defaults, per container item, default and defaultRequest
// from max, and defaultRequest from default.
func limitRange(l *corev1.LimitRange) {
	for i := range l.Spec.Limits {
		it := &l.Spec.Limits[i]
		if it.Type != corev1.LimitTypeContainer {
			continue
		}
		if it.Default == nil {
			it.Default = corev1.ResourceList{}
		}
		if it.DefaultRequest == nil {
			it.DefaultRequest = corev1.ResourceList{}
		}
		for k, v := range it.Max {
			if _, ok := it.Default[k]; !ok {
				it.Default[k] = v.DeepCopy()
			}
		}
		for k, v := range it.Default {
			if _, ok := it.DefaultRequest[k]; !ok {
				it.DefaultRequest[k] = v.DeepCopy()
			}
		}
		for k, v := range it.Min {
			if _, ok := it.DefaultRequest[k]; !ok {
				it.DefaultRequest[k] = v.DeepCopy()
			}
		}
	}
}

// subjects defaults the apiGroup of RBAC subjects.
func subjects(ss []rbacv1.Subject) {
	for i := range ss {
		if ss[i].APIGroup != "" {
			continue
		}
		switch ss[i].Kind {
		case rbacv1.UserKind, rbacv1.GroupKind:
			ss[i].APIGroup = rbacv1.GroupName
		}
	}
}
