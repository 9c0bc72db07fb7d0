package endpointslice

import (
	"net"
	"sort"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/wharfhq/wharf/controller-manager/internal/controller/servicepods"
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
	for _, b := range servicepods.Backends(svc, pods) {
		at := addressType(b.Pod.Status.PodIP)
		k := string(at) + "|" + servicepods.PortsKey(b.Ports)
		g, ok := groups[k]
		if !ok {
			g = &group{key: k, ports: slicePorts(b.Ports), at: at}
			groups[k] = g
		}
		g.eps = append(g.eps, endpointFor(svc, b))
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

// endpointFor is a backend's endpoint: ready when the pod is Ready and
// not terminating (always, with publishNotReadyAddresses), serving when
// Ready.
func endpointFor(svc *corev1.Service, b servicepods.Backend) discoveryv1.Endpoint {
	ready, serving, term := b.Ready, b.Serving, b.Terminating
	ep := discoveryv1.Endpoint{
		Addresses:  []string{b.Pod.Status.PodIP},
		Conditions: discoveryv1.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &term},
		TargetRef:  servicepods.TargetRef(b.Pod),
		NodeName:   servicepods.NodeName(b.Pod),
	}
	if h := servicepods.Hostname(svc, b.Pod); h != "" {
		ep.Hostname = &h
	}
	return ep
}
