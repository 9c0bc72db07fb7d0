package endpointslice

import (
	"net"
	"sort"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/wharfhq/wharf/controller-manager/internal/controller/endpoints"
)

// MaxEndpointsPerSlice is upstream's default --max-endpoints-per-slice.
const MaxEndpointsPerSlice = 100

// Desired is the content of one slice.
type Desired struct {
	AddressType discoveryv1.AddressType
	Ports       []discoveryv1.EndpointPort
	Endpoints   []discoveryv1.Endpoint
}

// group is the endpoints sharing an address type and port list.
type group struct {
	key   string
	ports []discoveryv1.EndpointPort
	eps   []discoveryv1.Endpoint
	at    discoveryv1.AddressType
}

// DesiredSlices computes the slices svc should have for pods: endpoints
// with the same address type and resolved ports are grouped, each group is
// sorted and cut into slices of at most max endpoints. A service without
// endpoints still gets one empty IPv4 slice, as upstream.
func DesiredSlices(svc *corev1.Service, pods []*corev1.Pod, max int) []Desired {
	groups := map[string]*group{}
	for _, p := range pods {
		if !endpoints.Eligible(svc, p) {
			continue
		}
		ports := slicePorts(endpoints.PodPorts(svc, p))
		if len(ports) == 0 && len(svc.Spec.Ports) > 0 {
			continue
		}
		at := addressType(p.Status.PodIP)
		k := string(at) + "|" + portsKey(ports)
		g, ok := groups[k]
		if !ok {
			g = &group{key: k, ports: ports, at: at}
			groups[k] = g
		}
		g.eps = append(g.eps, endpointFor(svc, p))
	}
	ordered := make([]*group, 0, len(groups))
	for _, g := range groups {
		ordered = append(ordered, g)
	}
	sort.Slice(ordered, func(i, j int) bool { return ordered[i].key < ordered[j].key })
	var out []Desired
	for _, g := range ordered {
		sort.Slice(g.eps, func(i, j int) bool { return g.eps[i].Addresses[0] < g.eps[j].Addresses[0] })
		for start := 0; start < len(g.eps); start += max {
			end := min(start+max, len(g.eps))
			out = append(out, Desired{AddressType: g.at, Ports: g.ports, Endpoints: g.eps[start:end:end]})
		}
	}
	if len(out) == 0 {
		out = append(out, Desired{AddressType: discoveryv1.AddressTypeIPv4})
	}
	return out
}

func addressType(ip string) discoveryv1.AddressType {
	if parsed := net.ParseIP(ip); parsed != nil && parsed.To4() == nil {
		return discoveryv1.AddressTypeIPv6
	}
	return discoveryv1.AddressTypeIPv4
}

func slicePorts(in []corev1.EndpointPort) []discoveryv1.EndpointPort {
	if len(in) == 0 {
		return nil
	}
	out := make([]discoveryv1.EndpointPort, len(in))
	for i, p := range in {
		name, port, proto := p.Name, p.Port, p.Protocol
		out[i] = discoveryv1.EndpointPort{Name: &name, Port: &port, Protocol: &proto, AppProtocol: p.AppProtocol}
	}
	return out
}

func portsKey(ports []discoveryv1.EndpointPort) string {
	k := ""
	for _, p := range ports {
		k += *p.Name + "/" + string(*p.Protocol) + "/" + strconv.Itoa(int(*p.Port)) + ";"
	}
	return k
}

// endpointFor is pod's endpoint: ready when the pod is Ready and not
// terminating (always, with publishNotReadyAddresses), serving when Ready.
func endpointFor(svc *corev1.Service, p *corev1.Pod) discoveryv1.Endpoint {
	podReady := endpoints.PodReady(p)
	term := p.DeletionTimestamp != nil
	ready := svc.Spec.PublishNotReadyAddresses || (podReady && !term)
	serving := podReady || svc.Spec.PublishNotReadyAddresses
	ep := discoveryv1.Endpoint{
		Addresses:  []string{p.Status.PodIP},
		Conditions: discoveryv1.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &term},
		TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID},
	}
	if p.Spec.NodeName != "" {
		n := p.Spec.NodeName
		ep.NodeName = &n
	}
	if p.Spec.Hostname != "" && p.Spec.Subdomain == svc.Name {
		h := p.Spec.Hostname
		ep.Hostname = &h
	}
	return ep
}
