package endpointslice

import (
	"maps"
	"reflect"
	"sort"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Labels upstream puts on managed slices.
const (
	ServiceNameLabel = discoveryv1.LabelServiceName
	ManagedByLabel   = discoveryv1.LabelManagedBy
	ControllerName   = "endpointslice-controller.k8s.io"
)

// Plan is the writes that turn the existing slices into the desired ones.
type Plan struct {
	Create []*discoveryv1.EndpointSlice
	Update []*discoveryv1.EndpointSlice
	Delete []*discoveryv1.EndpointSlice
}

// Empty reports whether nothing needs writing.
func (p Plan) Empty() bool { return len(p.Create)+len(p.Update)+len(p.Delete) == 0 }

// MakePlan diffs existing (the slices managed for svc) against desired:
// existing slices of the same address type are reused in name order and
// rewritten only when their content, labels or owner differ; surplus
// slices are deleted and missing ones created with generateName.
func MakePlan(svc *corev1.Service, existing []*discoveryv1.EndpointSlice, desired []Desired) Plan {
	byType := map[discoveryv1.AddressType][]*discoveryv1.EndpointSlice{}
	sorted := append([]*discoveryv1.EndpointSlice(nil), existing...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for _, s := range sorted {
		byType[s.AddressType] = append(byType[s.AddressType], s)
	}
	labels := sliceLabels(svc)
	owner := ownerRef(svc)
	var p Plan
	for _, d := range desired {
		free := byType[d.AddressType]
		if len(free) == 0 {
			p.Create = append(p.Create, newSlice(svc, d, labels, owner))
			continue
		}
		cur := free[0]
		byType[d.AddressType] = free[1:]
		if sameContent(cur, d, labels, owner) {
			continue
		}
		upd := cur.DeepCopy()
		upd.Labels, upd.OwnerReferences = labels, []metav1.OwnerReference{owner}
		upd.Ports, upd.Endpoints = d.Ports, d.Endpoints
		p.Update = append(p.Update, upd)
	}
	for _, at := range []discoveryv1.AddressType{discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6, discoveryv1.AddressTypeFQDN} {
		p.Delete = append(p.Delete, byType[at]...)
	}
	return p
}

func sameContent(s *discoveryv1.EndpointSlice, d Desired, labels map[string]string, owner metav1.OwnerReference) bool {
	return maps.Equal(s.Labels, labels) &&
		len(s.OwnerReferences) == 1 && reflect.DeepEqual(s.OwnerReferences[0], owner) &&
		equalPorts(s.Ports, d.Ports) && equalEndpoints(s.Endpoints, d.Endpoints)
}

func equalPorts(a, b []discoveryv1.EndpointPort) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}

func equalEndpoints(a, b []discoveryv1.Endpoint) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}

func newSlice(svc *corev1.Service, d Desired, labels map[string]string, owner metav1.OwnerReference) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: svc.Name + "-", Namespace: svc.Namespace,
			Labels: labels, OwnerReferences: []metav1.OwnerReference{owner},
		},
		AddressType: d.AddressType,
		Ports:       d.Ports,
		Endpoints:   d.Endpoints,
	}
}

// sliceLabels are the service's labels plus the service-name and
// managed-by labels (and the headless marker, as upstream).
func sliceLabels(svc *corev1.Service) map[string]string {
	out := map[string]string{}
	maps.Copy(out, svc.Labels)
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		out[corev1.IsHeadlessService] = ""
	}
	out[ServiceNameLabel] = svc.Name
	out[ManagedByLabel] = ControllerName
	return out
}

func ownerRef(svc *corev1.Service) metav1.OwnerReference {
	t := true
	return metav1.OwnerReference{APIVersion: "v1", Kind: "Service", Name: svc.Name, UID: svc.UID, Controller: &t, BlockOwnerDeletion: &t}
}
