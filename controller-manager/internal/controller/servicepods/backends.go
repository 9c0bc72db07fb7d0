package servicepods

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Backend is one pod backing a service, as both controllers publish it.
type Backend struct {
	Pod *corev1.Pod
	// Ports are the endpoint ports the pod offers, in the service's port
	// order.
	Ports []corev1.EndpointPort
	// Ready: the pod is Ready and not terminating, or the service
	// publishes not-ready addresses.
	Ready bool
	// Serving: the pod is Ready (terminating or not), or the service
	// publishes not-ready addresses.
	Serving bool
	// Terminating: the pod has a deletion timestamp.
	Terminating bool
}

// Backends returns the eligible pods of svc whose ports resolve, in the
// order of pods.
func Backends(svc *corev1.Service, pods []*corev1.Pod) []Backend {
	var out []Backend
	for _, p := range pods {
		if !Eligible(svc, p) {
			continue
		}
		ports := PodPorts(svc, p)
		if len(ports) == 0 && len(svc.Spec.Ports) > 0 {
			continue
		}
		podReady, publish := PodReady(p), svc.Spec.PublishNotReadyAddresses
		term := p.DeletionTimestamp != nil
		out = append(out, Backend{
			Pod:         p,
			Ports:       ports,
			Ready:       publish || (podReady && !term),
			Serving:     publish || podReady,
			Terminating: term,
		})
	}
	return out
}

// PodReady reports whether pod's Ready condition is True.
func PodReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Eligible reports whether pod can back a service endpoint at all: it has
// an IP and has not finished. Terminating pods are eligible only when
// the service publishes not-ready addresses (as upstream).
func Eligible(svc *corev1.Service, p *corev1.Pod) bool {
	if p.Status.PodIP == "" || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
		return false
	}
	return p.DeletionTimestamp == nil || svc.Spec.PublishNotReadyAddresses
}

// ResolvePort returns the pod port a service port targets: a number as
// given (the service port itself when unset), a name looked up among the
// pod's container ports of the same protocol. ok is false when a named
// port does not exist in the pod.
func ResolvePort(sp corev1.ServicePort, p *corev1.Pod) (int32, bool) {
	tp := sp.TargetPort
	if tp.Type == intstr.String {
		if n := tp.StrVal; n != "" {
			return namedPort(n, orTCP(sp.Protocol), p)
		}
		return sp.Port, true
	}
	if tp.IntVal == 0 {
		return sp.Port, true
	}
	return tp.IntVal, true
}

func namedPort(name string, proto corev1.Protocol, p *corev1.Pod) (int32, bool) {
	for _, c := range p.Spec.Containers {
		for _, cp := range c.Ports {
			if cp.Name == name && orTCP(cp.Protocol) == proto {
				return cp.ContainerPort, true
			}
		}
	}
	return 0, false
}

// orTCP is proto, or TCP when unset (the API default).
func orTCP(proto corev1.Protocol) corev1.Protocol {
	if proto == "" {
		return corev1.ProtocolTCP
	}
	return proto
}

// PodPorts returns the endpoint ports pod offers for svc, in the
// service's port order; ports whose name does not resolve are left out.
func PodPorts(svc *corev1.Service, p *corev1.Pod) []corev1.EndpointPort {
	var out []corev1.EndpointPort
	for _, sp := range svc.Spec.Ports {
		port, ok := ResolvePort(sp, p)
		if !ok {
			continue
		}
		out = append(out, corev1.EndpointPort{Name: sp.Name, Port: port, Protocol: orTCP(sp.Protocol), AppProtocol: sp.AppProtocol})
	}
	return out
}

// PortsKey identifies a port list (name, protocol, number of each port in
// order) for grouping backends that offer the same ports.
func PortsKey(ports []corev1.EndpointPort) string {
	var b strings.Builder
	for _, p := range ports {
		b.WriteString(p.Name + "/" + string(p.Protocol) + "/" + strconv.Itoa(int(p.Port)) + ";")
	}
	return b.String()
}

// TargetRef is the reference from an endpoint to its pod.
func TargetRef(p *corev1.Pod) *corev1.ObjectReference {
	return &corev1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID}
}

// NodeName is the pod's node, nil when unscheduled.
func NodeName(p *corev1.Pod) *string {
	if p.Spec.NodeName == "" {
		return nil
	}
	n := p.Spec.NodeName
	return &n
}

// Hostname is the DNS hostname the pod has under svc: its spec.hostname
// when its subdomain is the service (in the same namespace), else "".
func Hostname(svc *corev1.Service, p *corev1.Pod) string {
	if p.Spec.Hostname != "" && p.Spec.Subdomain == svc.Name && svc.Namespace == p.Namespace {
		return p.Spec.Hostname
	}
	return ""
}
