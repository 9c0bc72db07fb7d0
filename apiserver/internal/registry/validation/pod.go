package validation

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	restartPolicies   = []string{string(corev1.RestartPolicyAlways), string(corev1.RestartPolicyOnFailure), string(corev1.RestartPolicyNever)}
	dnsPolicies       = []string{string(corev1.DNSClusterFirstWithHostNet), string(corev1.DNSClusterFirst), string(corev1.DNSDefault), string(corev1.DNSNone)}
	tolerationEffects = []string{string(corev1.TaintEffectNoSchedule), string(corev1.TaintEffectPreferNoSchedule), string(corev1.TaintEffectNoExecute)}
)

// Pod validates a pod's spec (its metadata is checked by ObjectMeta).
func Pod(p *corev1.Pod) field.ErrorList {
	return PodSpec(&p.Spec, specPath)
}

// PodTemplateSpec validates a workload's pod template: its labels and
// annotations and its pod spec.
func PodTemplateSpec(t *corev1.PodTemplateSpec, fldPath *field.Path) field.ErrorList {
	mp := fldPath.Child("metadata")
	errs := metav1validation.ValidateLabels(t.Labels, mp.Child("labels"))
	errs = append(errs, apimachineryvalidation.ValidateAnnotations(t.Annotations, mp.Child("annotations"))...)
	return append(errs, PodSpec(&t.Spec, fldPath.Child("spec"))...)
}

// PodSpec validates a pod spec found at fldPath.
func PodSpec(s *corev1.PodSpec, fldPath *field.Path) field.ErrorList {
	vols, errs := volumes(s.Volumes, fldPath.Child("volumes"))
	errs = append(errs, containers(s, vols, fldPath)...)
	errs = append(errs, enumRequired(string(s.RestartPolicy), restartPolicies, fldPath.Child("restartPolicy"))...)
	errs = append(errs, dnsPolicy(s, fldPath)...)
	errs = append(errs, metav1validation.ValidateLabels(s.NodeSelector, fldPath.Child("nodeSelector"))...)
	errs = append(errs, tolerations(s.Tolerations, fldPath.Child("tolerations"))...)
	if s.TerminationGracePeriodSeconds != nil {
		errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(*s.TerminationGracePeriodSeconds, fldPath.Child("terminationGracePeriodSeconds"))...)
	}
	if s.ActiveDeadlineSeconds != nil {
		v := *s.ActiveDeadlineSeconds
		if v < 1 || v > 2147483647 {
			errs = append(errs, field.Invalid(fldPath.Child("activeDeadlineSeconds"), v, validation.InclusiveRangeError(1, 2147483647)))
		}
	}
	errs = append(errs, dnsNames(s, fldPath)...)
	if s.HostNetwork {
		errs = append(errs, hostNetworkPorts(s.Containers, fldPath.Child("containers"))...)
	}
	return errs
}

func dnsPolicy(s *corev1.PodSpec, fldPath *field.Path) field.ErrorList {
	errs := enumRequired(string(s.DNSPolicy), dnsPolicies, fldPath.Child("dnsPolicy"))
	if s.DNSPolicy == corev1.DNSNone && s.DNSConfig == nil {
		errs = append(errs, field.Required(fldPath.Child("dnsConfig"), fmt.Sprintf("must provide `dnsConfig` when `dnsPolicy` is %s", corev1.DNSNone)))
	}
	return errs
}

// dnsNames checks the fields that must be DNS names.
func dnsNames(s *corev1.PodSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	check := func(v string, fn func(string) []string, p *field.Path) {
		if v == "" {
			return
		}
		for _, msg := range fn(v) {
			errs = append(errs, field.Invalid(p, v, msg))
		}
	}
	check(s.ServiceAccountName, validation.IsDNS1123Subdomain, fldPath.Child("serviceAccountName"))
	check(s.NodeName, validation.IsDNS1123Subdomain, fldPath.Child("nodeName"))
	check(s.Hostname, validation.IsDNS1123Label, fldPath.Child("hostname"))
	check(s.Subdomain, validation.IsDNS1123Label, fldPath.Child("subdomain"))
	return errs
}

func hostNetworkPorts(cs []corev1.Container, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, c := range cs {
		for j, p := range c.Ports {
			if p.HostPort != p.ContainerPort {
				errs = append(errs, field.Invalid(fldPath.Index(i).Child("ports").Index(j).Child("containerPort"), p.ContainerPort,
					"must match `hostPort` when `hostNetwork` is true"))
			}
		}
	}
	return errs
}

func tolerations(ts []corev1.Toleration, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, t := range ts {
		p := fldPath.Index(i)
		if t.Key != "" {
			errs = append(errs, metav1validation.ValidateLabelName(t.Key, p.Child("key"))...)
		}
		if t.Key == "" && t.Operator != corev1.TolerationOpExists {
			errs = append(errs, field.Invalid(p.Child("operator"), t.Operator, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
		}
		if t.TolerationSeconds != nil && t.Effect != corev1.TaintEffectNoExecute {
			errs = append(errs, field.Invalid(p.Child("effect"), t.Effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
		}
		switch t.Operator {
		case corev1.TolerationOpEqual, "":
			for _, msg := range validation.IsValidLabelValue(t.Value) {
				errs = append(errs, field.Invalid(p.Child("operator"), t.Value, msg))
			}
		case corev1.TolerationOpExists:
			if t.Value != "" {
				errs = append(errs, field.Invalid(p.Child("operator"), t, "value must be empty when `operator` is 'Exists'"))
			}
		default:
			errs = append(errs, field.NotSupported(p.Child("operator"), t.Operator, []string{string(corev1.TolerationOpEqual), string(corev1.TolerationOpExists)}))
		}
		if t.Effect != "" {
			errs = append(errs, enum(string(t.Effect), tolerationEffects, p.Child("effect"))...)
		}
	}
	return errs
}

// enumRequired reports Required for "" and NotSupported for a value
// outside allowed.
func enumRequired(v string, allowed []string, fldPath *field.Path) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	return enum(v, allowed, fldPath)
}

// enum reports NotSupported for a value outside allowed.
func enum(v string, allowed []string, fldPath *field.Path) field.ErrorList {
	if sets.New(allowed...).Has(v) {
		return nil
	}
	return field.ErrorList{field.NotSupported(fldPath, v, allowed)}
}

// dnsLabel reports Required for "" and Invalid for a non DNS-1123 label.
func dnsLabel(v string, fldPath *field.Path) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(v) {
		errs = append(errs, field.Invalid(fldPath, v, msg))
	}
	return errs
}

// hasSpace reports leading or trailing whitespace.
func hasSpace(s string) bool { return strings.TrimSpace(s) != s }
