package endpoints

import (
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/controller-manager/internal/controller/servicepods"
)

// Address is the endpoint address of pod for svc.
func Address(svc *corev1.Service, p *corev1.Pod) corev1.EndpointAddress {
	return corev1.EndpointAddress{
		IP:        p.Status.PodIP,
		TargetRef: servicepods.TargetRef(p),
		NodeName:  servicepods.NodeName(p),
		Hostname:  servicepods.Hostname(svc, p),
	}
}

// DesiredSubsets computes the subsets of svc's Endpoints from the pods its
// selector matched: pods offering the same ports share a subset; ready
// pods (or all, with publishNotReadyAddresses) are addresses, the others
// notReadyAddresses. The result is sorted, so equal inputs give equal
// outputs.
func DesiredSubsets(svc *corev1.Service, pods []*corev1.Pod) []corev1.EndpointSubset {
	byPorts := map[string]*corev1.EndpointSubset{}
	for _, b := range servicepods.Backends(svc, pods) {
		k := servicepods.PortsKey(b.Ports)
		s, ok := byPorts[k]
		if !ok {
			s = &corev1.EndpointSubset{Ports: b.Ports}
			byPorts[k] = s
		}
		if addr := Address(svc, b.Pod); b.Ready {
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

func sortAddresses(a []corev1.EndpointAddress) {
	sort.Slice(a, func(i, j int) bool {
		if a[i].IP != a[j].IP {
			return a[i].IP < a[j].IP
		}
		return a[i].TargetRef.Name < a[j].TargetRef.Name
	})
}
