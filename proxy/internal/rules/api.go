package rules

import (
	"cmp"
	"net"
	"net/netip"
	"slices"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// SnapshotFrom builds a snapshot from API objects: every IPv4 port of every
// Service with a cluster IP (headless and ExternalName services are
// skipped), with the endpoints of the service's IPv4 EndpointSlices whose
// port name and protocol match. Endpoints on nodeName are Local. The
// result is sorted, so equal inputs render equal text.
func SnapshotFrom(services []*corev1.Service, eps []*discoveryv1.EndpointSlice, nodeName, clusterCIDR string) *Snapshot {
	bySvc := map[string][]*discoveryv1.EndpointSlice{}
	for _, s := range eps {
		name := s.Labels[discoveryv1.LabelServiceName]
		if name == "" || s.AddressType != discoveryv1.AddressTypeIPv4 {
			continue
		}
		bySvc[s.Namespace+"/"+name] = append(bySvc[s.Namespace+"/"+name], s)
	}
	// Sorting pointers first is much cheaper than sorting the ports.
	services = slices.Clone(services)
	slices.SortFunc(services, func(a, b *corev1.Service) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	snap := &Snapshot{ClusterCIDR: clusterCIDR, Services: make([]ServicePort, 0, len(services))}
	for _, svc := range services {
		snap.Services = append(snap.Services, ServicePorts(svc, bySvc[svc.Namespace+"/"+svc.Name], nodeName)...)
	}
	return snap
}

// ServicePorts is SnapshotFrom for one Service and its EndpointSlices (those
// labelled with its name; others are ignored only by port mismatch, so pass
// the right ones): its ports sorted by name and protocol, nil for services
// without an IPv4 cluster IP.
func ServicePorts(svc *corev1.Service, eps []*discoveryv1.EndpointSlice, nodeName string) []ServicePort {
	if !hasClusterIP(svc) {
		return nil
	}
	var v4 []*discoveryv1.EndpointSlice
	for _, s := range eps {
		if s.AddressType == discoveryv1.AddressTypeIPv4 {
			v4 = append(v4, s)
		}
	}
	out := make([]ServicePort, 0, len(svc.Spec.Ports))
	for i := range svc.Spec.Ports {
		sp := servicePort(svc, &svc.Spec.Ports[i])
		sp.Endpoints = endpointsFor(v4, svc.Spec.Ports[i].Name, svc.Spec.Ports[i].Protocol, nodeName)
		out = append(out, sp)
	}
	slices.SortFunc(out, func(a, b ServicePort) int {
		return cmp.Or(cmp.Compare(a.PortName, b.PortName), cmp.Compare(a.Protocol, b.Protocol))
	})
	return out
}

func hasClusterIP(svc *corev1.Service) bool {
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		return false
	}
	ip := net.ParseIP(svc.Spec.ClusterIP)
	return ip != nil && ip.To4() != nil
}

func servicePort(svc *corev1.Service, p *corev1.ServicePort) ServicePort {
	sp := ServicePort{
		Namespace: svc.Namespace, Name: svc.Name, PortName: p.Name,
		Protocol:  protocol(p.Protocol),
		ClusterIP: svc.Spec.ClusterIP, Port: p.Port,
		ExternalLocal: svc.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal,
		InternalLocal: svc.Spec.InternalTrafficPolicy != nil && *svc.Spec.InternalTrafficPolicy == corev1.ServiceInternalTrafficPolicyLocal,
	}
	if svc.Spec.Type == corev1.ServiceTypeNodePort || svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
		sp.NodePort = p.NodePort
	}
	for _, ip := range svc.Spec.ExternalIPs {
		if v := net.ParseIP(ip); v != nil && v.To4() != nil {
			sp.ExternalIPs = append(sp.ExternalIPs, v.String())
		}
	}
	if svc.Spec.SessionAffinity == corev1.ServiceAffinityClientIP {
		sp.AffinitySeconds = corev1.DefaultClientIPServiceAffinitySeconds
		if c := svc.Spec.SessionAffinityConfig; c != nil && c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil {
			sp.AffinitySeconds = *c.ClientIP.TimeoutSeconds
		}
	}
	return sp
}

func protocol(p corev1.Protocol) Protocol {
	switch p {
	case corev1.ProtocolUDP:
		return UDP
	case corev1.ProtocolSCTP:
		return SCTP
	}
	return TCP
}

func endpointsFor(eps []*discoveryv1.EndpointSlice, portName string, proto corev1.Protocol, nodeName string) []Endpoint {
	if proto == "" {
		proto = corev1.ProtocolTCP
	}
	n := 0 // addresses, to allocate out once
	for _, s := range eps {
		for i := range s.Endpoints {
			n += len(s.Endpoints[i].Addresses)
		}
	}
	out := make([]Endpoint, 0, n)
	seen := make(map[epKey]bool, n)
	for _, s := range eps {
		port, ok := slicePort(s, portName, proto)
		if !ok {
			continue
		}
		for i := range s.Endpoints {
			out = appendEndpoint(out, seen, &s.Endpoints[i], port, nodeName)
		}
	}
	if len(out) == 0 {
		return nil
	}
	slices.SortFunc(out, func(a, b Endpoint) int { return cmp.Or(cmp.Compare(a.IP, b.IP), cmp.Compare(a.Port, b.Port)) })
	return out
}

func slicePort(s *discoveryv1.EndpointSlice, name string, proto corev1.Protocol) (int32, bool) {
	for _, p := range s.Ports {
		pp := corev1.ProtocolTCP
		if p.Protocol != nil {
			pp = *p.Protocol
		}
		if p.Port != nil && pp == proto && (p.Name == nil && name == "" || p.Name != nil && *p.Name == name) {
			return *p.Port, true
		}
	}
	return 0, false
}

type epKey struct {
	ip   string
	port int32
}

func appendEndpoint(out []Endpoint, seen map[epKey]bool, e *discoveryv1.Endpoint, port int32, nodeName string) []Endpoint {
	ready := e.Conditions.Ready == nil || *e.Conditions.Ready
	serving := ready
	if e.Conditions.Serving != nil {
		serving = *e.Conditions.Serving
	}
	term := e.Conditions.Terminating != nil && *e.Conditions.Terminating
	local := nodeName != "" && e.NodeName != nil && *e.NodeName == nodeName
	for _, addr := range e.Addresses {
		ip, err := netip.ParseAddr(addr)
		if err != nil || !ip.Is4() || port <= 0 {
			continue
		}
		// netip accepts only the canonical form of an IPv4 address.
		ep := Endpoint{IP: addr, Port: port, Ready: ready && !term, Serving: serving, Terminating: term, Local: local}
		if key := (epKey{ep.IP, ep.Port}); !seen[key] {
			seen[key] = true
			out = append(out, ep)
		}
	}
	return out
}
