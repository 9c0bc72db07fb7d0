package validation

import (
	"fmt"
	"net"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	serviceTypes     = []string{string(corev1.ServiceTypeClusterIP), string(corev1.ServiceTypeExternalName), string(corev1.ServiceTypeLoadBalancer), string(corev1.ServiceTypeNodePort)}
	sessionAffinity  = []string{string(corev1.ServiceAffinityClientIP), string(corev1.ServiceAffinityNone)}
	trafficPolicies  = []string{string(corev1.ServiceExternalTrafficPolicyCluster), string(corev1.ServiceExternalTrafficPolicyLocal)}
	ipFamilyPolicies = []string{string(corev1.IPFamilyPolicyPreferDualStack), string(corev1.IPFamilyPolicyRequireDualStack), string(corev1.IPFamilyPolicySingleStack)}
	ipFamilies       = []string{string(corev1.IPv4Protocol), string(corev1.IPv6Protocol)}
)

const maxClientIPTimeout = 86400

// Service validates a service spec.
func Service(s *corev1.Service) field.ErrorList {
	sp := &s.Spec
	errs := enumRequired(string(sp.Type), serviceTypes, specPath.Child("type"))
	headless := sp.ClusterIP == corev1.ClusterIPNone
	if len(sp.Ports) == 0 && !headless && sp.Type != corev1.ServiceTypeExternalName {
		errs = append(errs, field.Required(specPath.Child("ports"), ""))
	}
	errs = append(errs, servicePorts(s)...)
	errs = append(errs, metav1validation.ValidateLabels(sp.Selector, specPath.Child("selector"))...)
	errs = append(errs, enumRequired(string(sp.SessionAffinity), sessionAffinity, specPath.Child("sessionAffinity"))...)
	if c := sp.SessionAffinityConfig; sp.SessionAffinity == corev1.ServiceAffinityClientIP && c != nil && c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil {
		if t := *c.ClientIP.TimeoutSeconds; t <= 0 || t > maxClientIPTimeout {
			errs = append(errs, field.Invalid(specPath.Child("sessionAffinityConfig", "clientIP", "timeoutSeconds"), t,
				fmt.Sprintf("must be greater than 0 and less than %d", maxClientIPTimeout)))
		}
	}
	if sp.Type == corev1.ServiceTypeExternalName {
		errs = append(errs, externalName(sp)...)
	} else {
		errs = append(errs, clusterIPs(sp)...)
	}
	errs = append(errs, trafficPolicy(sp)...)
	for i, ip := range sp.ExternalIPs {
		if net.ParseIP(ip) == nil {
			errs = append(errs, field.Invalid(specPath.Child("externalIPs").Index(i), ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
		}
	}
	return errs
}

func servicePorts(s *corev1.Service) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	type key struct {
		proto corev1.Protocol
		port  int32
	}
	seen := map[key]bool{}
	nodePortAllowed := s.Spec.Type == corev1.ServiceTypeNodePort || s.Spec.Type == corev1.ServiceTypeLoadBalancer
	for i, port := range s.Spec.Ports {
		p := specPath.Child("ports").Index(i)
		if len(s.Spec.Ports) > 1 || port.Name != "" {
			errs = append(errs, dnsLabel(port.Name, p.Child("name"))...)
			if names.Has(port.Name) {
				errs = append(errs, field.Duplicate(p.Child("name"), port.Name))
			}
			names.Insert(port.Name)
		}
		errs = append(errs, portNum(port.Port, p.Child("port"))...)
		errs = append(errs, enumRequired(string(port.Protocol), portProtocols, p.Child("protocol"))...)
		errs = append(errs, portNumOrName(port.TargetPort, p.Child("targetPort"))...)
		if port.NodePort != 0 {
			if !nodePortAllowed {
				errs = append(errs, field.Forbidden(p.Child("nodePort"), fmt.Sprintf("may not be used when `type` is '%s'", s.Spec.Type)))
			} else {
				errs = append(errs, portNum(port.NodePort, p.Child("nodePort"))...)
			}
		}
		k := key{port.Protocol, port.Port}
		if seen[k] {
			errs = append(errs, field.Duplicate(p, corev1.ServicePort{Port: port.Port, Protocol: port.Protocol}))
		}
		seen[k] = true
	}
	return errs
}

func externalName(sp *corev1.ServiceSpec) field.ErrorList {
	var errs field.ErrorList
	if sp.ClusterIP != "" || len(sp.ClusterIPs) > 0 {
		errs = append(errs, field.Forbidden(specPath.Child("clusterIPs"), "may not be set for ExternalName services"))
	}
	name := strings.TrimSuffix(sp.ExternalName, ".")
	if name == "" {
		return append(errs, field.Required(specPath.Child("externalName"), ""))
	}
	for _, msg := range validation.IsDNS1123Subdomain(name) {
		errs = append(errs, field.Invalid(specPath.Child("externalName"), sp.ExternalName, msg))
	}
	return errs
}

func clusterIPs(sp *corev1.ServiceSpec) field.ErrorList {
	var errs field.ErrorList
	if sp.ClusterIP != "" && sp.ClusterIP != corev1.ClusterIPNone && net.ParseIP(sp.ClusterIP) == nil {
		errs = append(errs, field.Invalid(specPath.Child("clusterIP"), sp.ClusterIP, "must be empty, 'None', or a valid IP address"))
	}
	if len(sp.ClusterIPs) > 0 && sp.ClusterIPs[0] != sp.ClusterIP {
		errs = append(errs, field.Invalid(specPath.Child("clusterIPs").Index(0), sp.ClusterIPs[0], "must match `clusterIP` if specified"))
	}
	if sp.IPFamilyPolicy != nil {
		errs = append(errs, enum(string(*sp.IPFamilyPolicy), ipFamilyPolicies, specPath.Child("ipFamilyPolicy"))...)
	}
	for i, f := range sp.IPFamilies {
		errs = append(errs, enum(string(f), ipFamilies, specPath.Child("ipFamilies").Index(i))...)
	}
	return errs
}

func trafficPolicy(sp *corev1.ServiceSpec) field.ErrorList {
	var errs field.ErrorList
	external := sp.Type == corev1.ServiceTypeNodePort || sp.Type == corev1.ServiceTypeLoadBalancer
	p := specPath.Child("externalTrafficPolicy")
	switch {
	case sp.ExternalTrafficPolicy != "" && !external:
		errs = append(errs, field.Invalid(p, sp.ExternalTrafficPolicy, "may only be set for externally-accessible services"))
	case sp.ExternalTrafficPolicy != "":
		errs = append(errs, enum(string(sp.ExternalTrafficPolicy), trafficPolicies, p)...)
	case external:
		errs = append(errs, field.Required(p, ""))
	}
	if sp.InternalTrafficPolicy != nil {
		errs = append(errs, enum(string(*sp.InternalTrafficPolicy), trafficPolicies, specPath.Child("internalTrafficPolicy"))...)
	}
	return errs
}

// ServiceUpdate: a service's cluster IP may not change once allocated
// (except when the type moves to or from ExternalName).
func ServiceUpdate(s, old *corev1.Service) field.ErrorList {
	if s.Spec.Type == corev1.ServiceTypeExternalName || old.Spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	if old.Spec.ClusterIP != "" && s.Spec.ClusterIP != old.Spec.ClusterIP {
		return field.ErrorList{field.Invalid(specPath.Child("clusterIPs").Index(0), s.Spec.ClusterIP, "may not change once set")}
	}
	return nil
}
