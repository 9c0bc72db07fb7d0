package validation

import (
	"fmt"
	"net"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const (
	maxConfigMapBytes = 1 * 1024 * 1024
	maxSecretBytes    = 1 * 1024 * 1024
	maxSliceEndpoints = 1000
	maxSliceAddresses = 100
)

var (
	taintEffects       = tolerationEffects
	addressTypes       = []string{string(discoveryv1.AddressTypeFQDN), string(discoveryv1.AddressTypeIPv4), string(discoveryv1.AddressTypeIPv6)}
	immutableWhenSetFn = "field is immutable when `immutable` is set"
)

// Namespace validates spec.finalizers names.
func Namespace(ns *corev1.Namespace) field.ErrorList {
	var errs field.ErrorList
	for i, f := range ns.Spec.Finalizers {
		errs = append(errs, apimachineryvalidation.ValidateFinalizerName(string(f), specPath.Child("finalizers").Index(i))...)
	}
	return errs
}

// Node validates podCIDRs and taints.
func Node(n *corev1.Node) field.ErrorList {
	var errs field.ErrorList
	for i, c := range n.Spec.PodCIDRs {
		if _, _, err := net.ParseCIDR(c); err != nil {
			errs = append(errs, field.Invalid(specPath.Child("podCIDRs").Index(i), c, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"))
		}
	}
	if len(n.Spec.PodCIDRs) > 0 && n.Spec.PodCIDR != n.Spec.PodCIDRs[0] {
		errs = append(errs, field.Invalid(specPath.Child("podCIDR"), n.Spec.PodCIDR, "must match `podCIDRs[0]`"))
	}
	for i, t := range n.Spec.Taints {
		p := specPath.Child("taints").Index(i)
		errs = append(errs, metav1validation.ValidateLabelName(t.Key, p.Child("key"))...)
		for _, msg := range validation.IsValidLabelValue(t.Value) {
			errs = append(errs, field.Invalid(p.Child("value"), t.Value, msg))
		}
		errs = append(errs, enumRequired(string(t.Effect), taintEffects, p.Child("effect"))...)
	}
	errs = append(errs, resourceList(n.Status.Capacity, field.NewPath("status", "capacity"))...)
	return append(errs, resourceList(n.Status.Allocatable, field.NewPath("status", "allocatable"))...)
}

// NodeUpdate: podCIDRs may only go from unset to set.
func NodeUpdate(n, old *corev1.Node) field.ErrorList {
	if len(old.Spec.PodCIDRs) > 0 && !sets.New(old.Spec.PodCIDRs...).Equal(sets.New(n.Spec.PodCIDRs...)) {
		return field.ErrorList{field.Forbidden(specPath.Child("podCIDRs"), "node updates may not change podCIDR except from \"\" to valid")}
	}
	return nil
}

// ConfigMap validates keys (no key in both data and binaryData) and size.
func ConfigMap(c *corev1.ConfigMap) field.ErrorList {
	var errs field.ErrorList
	size := 0
	for k, v := range c.Data {
		errs = append(errs, dataKey(k, field.NewPath("data").Key(k))...)
		size += len(k) + len(v)
	}
	for k, v := range c.BinaryData {
		errs = append(errs, dataKey(k, field.NewPath("binaryData").Key(k))...)
		if _, ok := c.Data[k]; ok {
			errs = append(errs, field.Invalid(field.NewPath("binaryData"), k, "duplicate of key present in data"))
		}
		size += len(k) + len(v)
	}
	if size > maxConfigMapBytes {
		errs = append(errs, field.TooLong(field.NewPath(""), "", maxConfigMapBytes))
	}
	return errs
}

// ConfigMapUpdate: data is frozen once immutable is true.
func ConfigMapUpdate(c, old *corev1.ConfigMap) field.ErrorList {
	return immutableData(old.Immutable, c.Immutable, func() field.ErrorList {
		errs := immutable(c.Data, old.Data, field.NewPath("data"))
		return append(errs, immutable(c.BinaryData, old.BinaryData, field.NewPath("binaryData"))...)
	})
}

func immutableData(old, cur *bool, check func() field.ErrorList) field.ErrorList {
	if old == nil || !*old {
		return nil
	}
	var errs field.ErrorList
	if cur == nil || !*cur {
		errs = append(errs, field.Forbidden(field.NewPath("immutable"), "field is immutable when `immutable` is set"))
	}
	for _, e := range check() {
		errs = append(errs, field.Forbidden(field.NewPath(e.Field), immutableWhenSetFn))
	}
	return errs
}

func dataKey(k string, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsConfigMapKey(k) {
		errs = append(errs, field.Invalid(fldPath, k, msg))
	}
	return errs
}

// Secret validates keys, size and the keys each secret type requires.
func Secret(s *corev1.Secret) field.ErrorList {
	var errs field.ErrorList
	size := 0
	for k, v := range s.Data {
		errs = append(errs, dataKey(k, field.NewPath("data").Key(k))...)
		size += len(v)
	}
	if size > maxSecretBytes {
		errs = append(errs, field.TooLong(field.NewPath("data"), "", maxSecretBytes))
	}
	need := func(key string) {
		if _, ok := s.Data[key]; !ok {
			errs = append(errs, field.Required(field.NewPath("data").Key(key), ""))
		}
	}
	switch s.Type {
	case corev1.SecretTypeServiceAccountToken:
		if s.Annotations[corev1.ServiceAccountNameKey] == "" {
			errs = append(errs, field.Required(metaPath.Child("annotations").Key(corev1.ServiceAccountNameKey), ""))
		}
	case corev1.SecretTypeDockercfg:
		need(corev1.DockerConfigKey)
	case corev1.SecretTypeDockerConfigJson:
		need(corev1.DockerConfigJsonKey)
	case corev1.SecretTypeSSHAuth:
		need(corev1.SSHAuthPrivateKey)
	case corev1.SecretTypeTLS:
		need(corev1.TLSCertKey)
		need(corev1.TLSPrivateKeyKey)
	case corev1.SecretTypeBasicAuth:
		_, u := s.Data[corev1.BasicAuthUsernameKey]
		_, p := s.Data[corev1.BasicAuthPasswordKey]
		if !u && !p {
			errs = append(errs, field.Required(field.NewPath("data").Key(corev1.BasicAuthUsernameKey), ""))
			errs = append(errs, field.Required(field.NewPath("data").Key(corev1.BasicAuthPasswordKey), ""))
		}
	}
	return errs
}

// SecretUpdate: type is immutable; data is frozen once immutable is true.
func SecretUpdate(s, old *corev1.Secret) field.ErrorList {
	errs := immutable(s.Type, old.Type, field.NewPath("type"))
	return append(errs, immutableData(old.Immutable, s.Immutable, func() field.ErrorList {
		return immutable(s.Data, old.Data, field.NewPath("data"))
	})...)
}

// Event requires an involved object whose namespace agrees with the
// event's.
func Event(e *corev1.Event) field.ErrorList {
	var errs field.ErrorList
	io := e.InvolvedObject
	if io.Kind == "" && io.Name == "" {
		errs = append(errs, field.Required(field.NewPath("involvedObject"), ""))
	}
	np := field.NewPath("involvedObject", "namespace")
	if io.Namespace == "" {
		if e.Namespace != "" && e.Namespace != "default" {
			errs = append(errs, field.Invalid(np, io.Namespace, "does not match event.namespace"))
		}
	} else if e.Namespace != io.Namespace {
		errs = append(errs, field.Invalid(np, io.Namespace, "does not match event.namespace"))
	}
	return errs
}

// Endpoints validates addresses and ports of every subset.
func Endpoints(ep *corev1.Endpoints) field.ErrorList {
	var errs field.ErrorList
	for i, ss := range ep.Subsets {
		p := field.NewPath("subsets").Index(i)
		for j, a := range ss.Addresses {
			errs = append(errs, ipAddress(a.IP, p.Child("addresses").Index(j).Child("ip"))...)
		}
		for j, a := range ss.NotReadyAddresses {
			errs = append(errs, ipAddress(a.IP, p.Child("notReadyAddresses").Index(j).Child("ip"))...)
		}
		for j, port := range ss.Ports {
			pp := p.Child("ports").Index(j)
			if len(ss.Ports) > 1 || port.Name != "" {
				errs = append(errs, dnsLabel(port.Name, pp.Child("name"))...)
			}
			errs = append(errs, portNum(port.Port, pp.Child("port"))...)
			errs = append(errs, enumRequired(string(port.Protocol), portProtocols, pp.Child("protocol"))...)
		}
	}
	return errs
}

func ipAddress(ip string, fldPath *field.Path) field.ErrorList {
	if net.ParseIP(ip) == nil {
		return field.ErrorList{field.Invalid(fldPath, ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")}
	}
	return nil
}

// EndpointSlice validates the address type, endpoints and ports.
func EndpointSlice(s *discoveryv1.EndpointSlice) field.ErrorList {
	errs := enumRequired(string(s.AddressType), addressTypes, field.NewPath("addressType"))
	ep := field.NewPath("endpoints")
	if len(s.Endpoints) > maxSliceEndpoints {
		errs = append(errs, field.TooMany(ep, len(s.Endpoints), maxSliceEndpoints))
	}
	for i, e := range s.Endpoints {
		ap := ep.Index(i).Child("addresses")
		switch {
		case len(e.Addresses) == 0:
			errs = append(errs, field.Required(ap, "must contain at least 1 address"))
		case len(e.Addresses) > maxSliceAddresses:
			errs = append(errs, field.TooMany(ap, len(e.Addresses), maxSliceAddresses))
		}
		for j, a := range e.Addresses {
			errs = append(errs, sliceAddress(s.AddressType, a, ap.Index(j))...)
		}
	}
	names := sets.New[string]()
	for i, port := range s.Ports {
		pp := field.NewPath("ports").Index(i)
		if port.Name != nil && *port.Name != "" {
			errs = append(errs, dnsLabel(*port.Name, pp.Child("name"))...)
			if names.Has(*port.Name) {
				errs = append(errs, field.Duplicate(pp.Child("name"), *port.Name))
			}
			names.Insert(*port.Name)
		}
		if port.Port != nil {
			errs = append(errs, portNum(*port.Port, pp.Child("port"))...)
		}
		if port.Protocol != nil {
			errs = append(errs, enum(string(*port.Protocol), portProtocols, pp.Child("protocol"))...)
		}
	}
	return errs
}

func sliceAddress(t discoveryv1.AddressType, a string, fldPath *field.Path) field.ErrorList {
	ip := net.ParseIP(a)
	switch t {
	case discoveryv1.AddressTypeIPv4:
		if ip == nil || ip.To4() == nil {
			return field.ErrorList{field.Invalid(fldPath, a, "must be a valid IPv4 address")}
		}
	case discoveryv1.AddressTypeIPv6:
		if ip == nil || ip.To4() != nil {
			return field.ErrorList{field.Invalid(fldPath, a, "must be a valid IPv6 address")}
		}
	case discoveryv1.AddressTypeFQDN:
		return validation.IsFullyQualifiedDomainName(fldPath, a)
	}
	return nil
}

// Lease validates durations and counters.
func Lease(l *coordinationv1.Lease) field.ErrorList {
	var errs field.ErrorList
	if d := l.Spec.LeaseDurationSeconds; d != nil && *d <= 0 {
		errs = append(errs, field.Invalid(specPath.Child("leaseDurationSeconds"), *d, "must be greater than 0"))
	}
	if t := l.Spec.LeaseTransitions; t != nil && *t < 0 {
		errs = append(errs, field.Invalid(specPath.Child("leaseTransitions"), *t, "must be greater than or equal to 0"))
	}
	return errs
}

// PersistentVolume requires capacity, access modes and one source.
func PersistentVolume(pv *corev1.PersistentVolume) field.ErrorList {
	var errs field.ErrorList
	if len(pv.Spec.AccessModes) == 0 {
		errs = append(errs, field.Required(specPath.Child("accessModes"), ""))
	}
	if _, ok := pv.Spec.Capacity[corev1.ResourceStorage]; !ok || len(pv.Spec.Capacity) != 1 {
		errs = append(errs, field.Invalid(specPath.Child("capacity"), pv.Spec.Capacity, fmt.Sprintf("must only contain %s", corev1.ResourceStorage)))
	}
	errs = append(errs, resourceList(pv.Spec.Capacity, specPath.Child("capacity"))...)
	if pv.Spec.HostPath == nil && pv.Spec.Local == nil && pv.Spec.NFS == nil && pv.Spec.CSI == nil {
		errs = append(errs, field.Required(specPath, "must specify a volume type"))
	}
	return errs
}

// PersistentVolumeClaim requires access modes and a storage request.
func PersistentVolumeClaim(pvc *corev1.PersistentVolumeClaim) field.ErrorList {
	var errs field.ErrorList
	if len(pvc.Spec.AccessModes) == 0 {
		errs = append(errs, field.Required(specPath.Child("accessModes"), "at least 1 access mode is required"))
	}
	rp := specPath.Child("resources", "requests")
	if _, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; !ok {
		errs = append(errs, field.Required(rp.Key(string(corev1.ResourceStorage)), ""))
	}
	return append(errs, resourceList(pvc.Spec.Resources.Requests, rp)...)
}

// PersistentVolumeClaimUpdate: the spec is immutable after creation
// except resource requests and volumeName going from unset to set.
func PersistentVolumeClaimUpdate(pvc, old *corev1.PersistentVolumeClaim) field.ErrorList {
	n := pvc.Spec.DeepCopy()
	n.Resources.Requests = old.Spec.Resources.Requests
	if old.Spec.VolumeName == "" {
		n.VolumeName = ""
	}
	// A claim without a class may get the default class later
	// (retroactive default StorageClass assignment, as upstream).
	if old.Spec.StorageClassName == nil {
		n.StorageClassName = nil
	}
	if errs := immutable(*n, old.Spec, specPath); len(errs) > 0 {
		return field.ErrorList{field.Forbidden(specPath, "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims")}
	}
	return nil
}
