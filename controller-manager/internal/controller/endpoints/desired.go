package endpoints

import (
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

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
			return namedPort(n, protocolOf(sp), p)
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
			if cp.Name == name && protocolOfContainer(cp) == proto {
				return cp.ContainerPort, true
			}
		}
	}
	return 0, false
}

func protocolOf(sp corev1.ServicePort) corev1.Protocol {
	if sp.Protocol == "" {
		return corev1.ProtocolTCP
	}
	return sp.Protocol
}

func protocolOfContainer(cp corev1.ContainerPort) corev1.Protocol {
	if cp.Protocol == "" {
		return corev1.ProtocolTCP
	}
	return cp.Protocol
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
		out = append(out, corev1.EndpointPort{Name: sp.Name, Port: port, Protocol: protocolOf(sp), AppProtocol: sp.AppProtocol})
	}
	return out
}

// Address is the endpoint address of pod for svc.
func Address(svc *corev1.Service, p *corev1.Pod) corev1.EndpointAddress {
	a := corev1.EndpointAddress{
		IP: p.Status.PodIP,
		TargetRef: &corev1.ObjectReference{
			Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID,
		},
	}
	if p.Spec.NodeName != "" {
		n := p.Spec.NodeName
		a.NodeName = &n
	}
	if p.Spec.Hostname != "" && p.Spec.Subdomain == svc.Name && svc.Namespace == p.Namespace {
		a.Hostname = p.Spec.Hostname
	}
	return a
}

// DesiredSubsets computes the subsets of svc's Endpoints from the pods its
// selector matched: pods offering the same ports share a subset; ready
// pods (or all, with publishNotReadyAddresses) are addresses, the others
// notReadyAddresses. The result is sorted, so equal inputs give equal
// outputs.
func DesiredSubsets(svc *corev1.Service, pods []*corev1.Pod) []corev1.EndpointSubset {
	byPorts := map[string]*corev1.EndpointSubset{}
	for _, p := range pods {
		if !Eligible(svc, p) {
			continue
		}
		ports := PodPorts(svc, p)
		if len(ports) == 0 && len(svc.Spec.Ports) > 0 {
			continue
		}
		k := portsKey(ports)
		s, ok := byPorts[k]
		if !ok {
			s = &corev1.EndpointSubset{Ports: ports}
			byPorts[k] = s
		}
		addr := Address(svc, p)
		if svc.Spec.PublishNotReadyAddresses || (PodReady(p) && p.DeletionTimestamp == nil) {
			s.Addresses = append(s.Addresses, addr)
		} else {
			s.NotReadyAddresses = append(s.NotReadyAddresses, addr)
		}
	}
	keys := make([]string, 0, len(byPorts))
	for k := range byPorts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]corev1.EndpointSubset, 0, len(keys))
	for _, k := range keys {
		s := byPorts[k]
		sortAddresses(s.Addresses)
		sortAddresses(s.NotReadyAddresses)
		out = append(out, *s)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func portsKey(ports []corev1.EndpointPort) string {
	var b strings.Builder
	for _, p := range ports {
		b.WriteString(p.Name + "/" + string(p.Protocol) + "/" + strconv.Itoa(int(p.Port)) + ";")
	}
	return b.String()
}

func sortAddresses(a []corev1.EndpointAddress) {
	sort.Slice(a, func(i, j int) bool {
		if a[i].IP != a[j].IP {
			return a[i].IP < a[j].IP
		}
		return a[i].TargetRef.Name < a[j].TargetRef.Name
	})
}
