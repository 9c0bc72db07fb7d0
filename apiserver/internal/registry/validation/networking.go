package validation

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Ingress checks an Ingress as upstream does for the common fields: a
// default backend or rules, path types and paths, and backends naming a
// service port or a resource.
func Ingress(ing *networkingv1.Ingress) field.ErrorList {
	var errs field.ErrorList
	sp := ing.Spec
	if sp.DefaultBackend == nil && len(sp.Rules) == 0 {
		errs = append(errs, field.Invalid(specPath, sp, "either `defaultBackend` or `rules` must be specified"))
	}
	if sp.DefaultBackend != nil {
		errs = append(errs, ingressBackend(sp.DefaultBackend, specPath.Child("defaultBackend"))...)
	}
	for i, r := range sp.Rules {
		rp := specPath.Child("rules").Index(i)
		if r.Host != "" {
			host := strings.TrimPrefix(r.Host, "*.")
			for _, msg := range validation.IsDNS1123Subdomain(host) {
				errs = append(errs, field.Invalid(rp.Child("host"), r.Host, msg))
			}
		}
		if r.HTTP == nil {
			continue
		}
		for j, p := range r.HTTP.Paths {
			errs = append(errs, ingressPath(p, rp.Child("http", "paths").Index(j))...)
		}
	}
	for i, t := range sp.TLS {
		for j, h := range t.Hosts {
			for _, msg := range validation.IsDNS1123Subdomain(strings.TrimPrefix(h, "*.")) {
				errs = append(errs, field.Invalid(specPath.Child("tls").Index(i).Child("hosts").Index(j), h, msg))
			}
		}
	}
	return errs
}

func ingressPath(p networkingv1.HTTPIngressPath, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	supported := []string{string(networkingv1.PathTypeExact), string(networkingv1.PathTypePrefix), string(networkingv1.PathTypeImplementationSpecific)}
	switch {
	case p.PathType == nil:
		errs = append(errs, field.Required(path.Child("pathType"), "pathType must be specified"))
	case *p.PathType == networkingv1.PathTypeExact || *p.PathType == networkingv1.PathTypePrefix:
		if !strings.HasPrefix(p.Path, "/") {
			errs = append(errs, field.Invalid(path.Child("path"), p.Path, "must be an absolute path"))
		}
	case *p.PathType != networkingv1.PathTypeImplementationSpecific:
		errs = append(errs, field.NotSupported(path.Child("pathType"), *p.PathType, supported))
	}
	return append(errs, ingressBackend(&p.Backend, path.Child("backend"))...)
}

func ingressBackend(b *networkingv1.IngressBackend, path *field.Path) field.ErrorList {
	switch {
	case b.Service != nil && b.Resource != nil:
		return field.ErrorList{field.Invalid(path, b, "cannot set both resource and service backends")}
	case b.Resource != nil:
		return nil
	case b.Service == nil:
		return field.ErrorList{field.Invalid(path, b, "resource or service backend is required")}
	}
	var errs field.ErrorList
	sp := path.Child("service")
	for _, msg := range validation.IsDNS1035Label(b.Service.Name) {
		errs = append(errs, field.Invalid(sp.Child("name"), b.Service.Name, msg))
	}
	port := b.Service.Port
	switch {
	case port.Name != "" && port.Number != 0:
		errs = append(errs, field.Invalid(sp.Child("port"), port, "cannot set both port name & port number"))
	case port.Name != "":
		for _, msg := range validation.IsValidPortName(port.Name) {
			errs = append(errs, field.Invalid(sp.Child("port", "name"), port.Name, msg))
		}
	default:
		for _, msg := range validation.IsValidPortNum(int(port.Number)) {
			errs = append(errs, field.Invalid(sp.Child("port", "number"), port.Number, msg))
		}
	}
	return errs
}

// IngressClass requires a controller name of the form domain/path.
func IngressClass(c *networkingv1.IngressClass) field.ErrorList {
	p := specPath.Child("controller")
	if c.Spec.Controller == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	return validation.IsDomainPrefixedPath(p, c.Spec.Controller)
}

// NetworkPolicy checks the pod selector, policy types and ports.
func NetworkPolicy(np *networkingv1.NetworkPolicy) field.ErrorList {
	errs := metav1validation.ValidateLabelSelector(&np.Spec.PodSelector, metav1validation.LabelSelectorValidationOptions{}, specPath.Child("podSelector"))
	allowed := []string{string(networkingv1.PolicyTypeIngress), string(networkingv1.PolicyTypeEgress)}
	for i, t := range np.Spec.PolicyTypes {
		if t != networkingv1.PolicyTypeIngress && t != networkingv1.PolicyTypeEgress {
			errs = append(errs, field.NotSupported(specPath.Child("policyTypes").Index(i), t, allowed))
		}
	}
	for i, r := range np.Spec.Ingress {
		errs = append(errs, policyPorts(r.Ports, specPath.Child("ingress").Index(i).Child("ports"))...)
	}
	for i, r := range np.Spec.Egress {
		errs = append(errs, policyPorts(r.Ports, specPath.Child("egress").Index(i).Child("ports"))...)
	}
	return errs
}

func policyPorts(ports []networkingv1.NetworkPolicyPort, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	protocols := []string{string(corev1.ProtocolTCP), string(corev1.ProtocolUDP), string(corev1.ProtocolSCTP)}
	for i, p := range ports {
		if p.Protocol != nil && *p.Protocol != corev1.ProtocolTCP && *p.Protocol != corev1.ProtocolUDP && *p.Protocol != corev1.ProtocolSCTP {
			errs = append(errs, field.NotSupported(path.Index(i).Child("protocol"), *p.Protocol, protocols))
		}
		if p.Port != nil && p.Port.IntVal != 0 {
			for _, msg := range validation.IsValidPortNum(int(p.Port.IntVal)) {
				errs = append(errs, field.Invalid(path.Index(i).Child("port"), p.Port.IntVal, msg))
			}
		}
	}
	return errs
}
