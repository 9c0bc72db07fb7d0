package trim

import (
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// meta keeps the identity and resourceVersion of m.
func meta(m *metav1.ObjectMeta) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace, UID: m.UID, ResourceVersion: m.ResourceVersion}
}

// Service keeps what the proxy renders rules from: type, cluster IP,
// ports (name, protocol, port, node port), external IPs, session affinity
// and traffic policies. A nil Service stays nil.
func Service(s *corev1.Service) *corev1.Service {
	if s == nil {
		return nil
	}
	out := &corev1.Service{ObjectMeta: meta(&s.ObjectMeta), Spec: corev1.ServiceSpec{
		Type:                  s.Spec.Type,
		ClusterIP:             s.Spec.ClusterIP,
		ExternalIPs:           s.Spec.ExternalIPs,
		SessionAffinity:       s.Spec.SessionAffinity,
		SessionAffinityConfig: s.Spec.SessionAffinityConfig,
		ExternalTrafficPolicy: s.Spec.ExternalTrafficPolicy,
		InternalTrafficPolicy: s.Spec.InternalTrafficPolicy,
	}}
	if len(s.Spec.Ports) > 0 {
		out.Spec.Ports = make([]corev1.ServicePort, len(s.Spec.Ports))
		for i, p := range s.Spec.Ports {
			out.Spec.Ports[i] = corev1.ServicePort{Name: p.Name, Protocol: p.Protocol, Port: p.Port, NodePort: p.NodePort}
		}
	}
	return out
}

// EndpointSlice keeps the service-name label, address type, ports and,
// per endpoint, addresses, conditions and node name. Endpoints that agree
// on conditions and node name are merged into one with all their
// addresses (the proxy treats every address of an endpoint alike), so a
// slice of n ready pods keeps one Endpoint instead of n. A nil slice
// stays nil.
func EndpointSlice(s *discoveryv1.EndpointSlice) *discoveryv1.EndpointSlice {
	if s == nil {
		return nil
	}
	out := &discoveryv1.EndpointSlice{ObjectMeta: meta(&s.ObjectMeta), AddressType: s.AddressType, Ports: s.Ports}
	if name, ok := s.Labels[discoveryv1.LabelServiceName]; ok {
		out.Labels = map[string]string{discoveryv1.LabelServiceName: name}
	}
	out.Endpoints = mergeEndpoints(s.Endpoints)
	return out
}

// mergeEndpoints returns eps with those of equal endpointKey merged, in
// order of first appearance, allocated to size.
func mergeEndpoints(eps []discoveryv1.Endpoint) []discoveryv1.Endpoint {
	if len(eps) == 0 {
		return nil
	}
	group := make([]int, len(eps)) // eps[i] goes to out[group[i]]
	index := map[endpointKey]int{}
	var counts []int
	for i := range eps {
		k := keyOf(&eps[i])
		g, ok := index[k]
		if !ok {
			g = len(counts)
			index[k] = g
			counts = append(counts, 0)
		}
		group[i] = g
		counts[g] += len(eps[i].Addresses)
	}
	out := make([]discoveryv1.Endpoint, len(counts))
	for i := range eps {
		e, o := &eps[i], &out[group[i]]
		if o.Addresses == nil {
			o.Addresses = make([]string, 0, counts[group[i]])
			o.Conditions, o.NodeName = e.Conditions, e.NodeName
		}
		o.Addresses = append(o.Addresses, e.Addresses...)
	}
	return out
}

// endpointKey is what the proxy reads of an endpoint besides its
// addresses; conditions are tri-state (0 unset, 1 false, 2 true).
type endpointKey struct {
	ready, serving, terminating uint8
	node                        string
	hasNode                     bool
}

func keyOf(e *discoveryv1.Endpoint) endpointKey {
	k := endpointKey{ready: tri(e.Conditions.Ready), serving: tri(e.Conditions.Serving), terminating: tri(e.Conditions.Terminating)}
	if e.NodeName != nil {
		k.node, k.hasNode = *e.NodeName, true
	}
	return k
}

func tri(b *bool) uint8 {
	switch {
	case b == nil:
		return 0
	case *b:
		return 2
	}
	return 1
}
