package validation

import (
	"fmt"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const selectorMismatchMsg = "`selector` does not match template `labels`"

var alwaysOnly = []string{string(corev1.RestartPolicyAlways)}

// ReplicationController validates an RC spec: a non-empty selector that
// matches the template labels, replicas >= 0, restartPolicy Always.
func ReplicationController(rc *corev1.ReplicationController) field.ErrorList {
	sp := &rc.Spec
	errs := nonNegative(int64(sp.MinReadySeconds), specPath.Child("minReadySeconds"))
	sel := labels.Set(sp.Selector).AsSelector()
	if sel.Empty() {
		errs = append(errs, field.Required(specPath.Child("selector"), ""))
	}
	errs = append(errs, metav1validation.ValidateLabels(sp.Selector, specPath.Child("selector"))...)
	if sp.Replicas != nil {
		errs = append(errs, nonNegative(int64(*sp.Replicas), specPath.Child("replicas"))...)
	}
	tp := specPath.Child("template")
	if sp.Template == nil {
		return append(errs, field.Required(tp, ""))
	}
	if !sel.Empty() && !sel.Matches(labels.Set(sp.Template.Labels)) {
		errs = append(errs, field.Invalid(tp.Child("metadata", "labels"), sp.Template.Labels, selectorMismatchMsg))
	}
	return append(errs, replicatedTemplate(sp.Template, "ReplicationController", tp)...)
}

// replicatedTemplate validates the template of a long-running workload:
// restartPolicy must be Always and activeDeadlineSeconds unset.
func replicatedTemplate(t *corev1.PodTemplateSpec, kind string, tp *field.Path) field.ErrorList {
	errs := PodTemplateSpec(t, tp)
	if t.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(tp.Child("spec", "restartPolicy"), t.Spec.RestartPolicy, alwaysOnly))
	}
	if t.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Forbidden(tp.Child("spec", "activeDeadlineSeconds"), fmt.Sprintf("activeDeadlineSeconds in %s is not Supported", kind)))
	}
	return errs
}

// labelSelector validates an apps/v1 or batch/v1 selector against the
// template labels. what names the kind in the empty-selector message.
func labelSelector(sel *metav1.LabelSelector, tmpl map[string]string, what string) field.ErrorList {
	sp := specPath.Child("selector")
	if sel == nil {
		return field.ErrorList{field.Required(sp, "")}
	}
	errs := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, sp)
	if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		errs = append(errs, field.Invalid(sp, sel, "empty selector is invalid for "+what))
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return append(errs, field.Invalid(sp, sel, "invalid label selector"))
	}
	if !s.Empty() && !s.Matches(labels.Set(tmpl)) {
		errs = append(errs, field.Invalid(specPath.Child("template", "metadata", "labels"), tmpl, selectorMismatchMsg))
	}
	return errs
}

// Deployment validates a deployment spec.
func Deployment(d *appsv1.Deployment) field.ErrorList {
	sp := &d.Spec
	errs := optNonNegative(sp.Replicas, specPath.Child("replicas"))
	errs = append(errs, labelSelector(sp.Selector, sp.Template.Labels, "deployment")...)
	errs = append(errs, replicatedTemplate(&sp.Template, "ReplicaSet", specPath.Child("template"))...)
	errs = append(errs, deploymentStrategy(&sp.Strategy, specPath.Child("strategy"))...)
	errs = append(errs, nonNegative(int64(sp.MinReadySeconds), specPath.Child("minReadySeconds"))...)
	errs = append(errs, optNonNegative(sp.RevisionHistoryLimit, specPath.Child("revisionHistoryLimit"))...)
	if pd := sp.ProgressDeadlineSeconds; pd != nil {
		errs = append(errs, nonNegative(int64(*pd), specPath.Child("progressDeadlineSeconds"))...)
		if *pd <= sp.MinReadySeconds {
			errs = append(errs, field.Invalid(specPath.Child("progressDeadlineSeconds"), *pd, "must be greater than minReadySeconds"))
		}
	}
	return errs
}

func deploymentStrategy(s *appsv1.DeploymentStrategy, fldPath *field.Path) field.ErrorList {
	switch s.Type {
	case appsv1.RecreateDeploymentStrategyType:
		if s.RollingUpdate != nil {
			return field.ErrorList{field.Forbidden(fldPath.Child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")}
		}
	case appsv1.RollingUpdateDeploymentStrategyType:
		ru := s.RollingUpdate
		rp := fldPath.Child("rollingUpdate")
		if ru == nil {
			return field.ErrorList{field.Required(rp, "this should be defaulted and never be nil")}
		}
		errs := intOrPercent(ru.MaxUnavailable, rp.Child("maxUnavailable"))
		errs = append(errs, intOrPercent(ru.MaxSurge, rp.Child("maxSurge"))...)
		if intOrPercentValue(ru.MaxUnavailable) == 0 && intOrPercentValue(ru.MaxSurge) == 0 {
			errs = append(errs, field.Invalid(rp.Child("maxUnavailable"), ru.MaxUnavailable, "may not be 0 when `maxSurge` is 0"))
		}
		return append(errs, notOver100(ru.MaxUnavailable, rp.Child("maxUnavailable"))...)
	default:
		return field.ErrorList{field.NotSupported(fldPath.Child("type"), s.Type, []string{"Recreate", "RollingUpdate"})}
	}
	return nil
}

// ReplicaSet validates a replica set spec.
func ReplicaSet(rs *appsv1.ReplicaSet) field.ErrorList {
	sp := &rs.Spec
	errs := optNonNegative(sp.Replicas, specPath.Child("replicas"))
	errs = append(errs, nonNegative(int64(sp.MinReadySeconds), specPath.Child("minReadySeconds"))...)
	errs = append(errs, labelSelector(sp.Selector, sp.Template.Labels, "deployment")...)
	return append(errs, replicatedTemplate(&sp.Template, "ReplicaSet", specPath.Child("template"))...)
}

// DaemonSet validates a daemon set spec.
func DaemonSet(ds *appsv1.DaemonSet) field.ErrorList {
	sp := &ds.Spec
	errs := labelSelector(sp.Selector, sp.Template.Labels, "daemonset")
	tp := specPath.Child("template")
	errs = append(errs, PodTemplateSpec(&sp.Template, tp)...)
	if sp.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(tp.Child("spec", "restartPolicy"), sp.Template.Spec.RestartPolicy, alwaysOnly))
	}
	if sp.Template.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Invalid(tp.Child("spec", "activeDeadlineSeconds"), *sp.Template.Spec.ActiveDeadlineSeconds, "activeDeadlineSeconds must be nil for daemonset"))
	}
	errs = append(errs, nonNegative(int64(sp.MinReadySeconds), specPath.Child("minReadySeconds"))...)
	errs = append(errs, optNonNegative(sp.RevisionHistoryLimit, specPath.Child("revisionHistoryLimit"))...)
	return append(errs, daemonSetStrategy(&sp.UpdateStrategy, specPath.Child("updateStrategy"))...)
}

func daemonSetStrategy(s *appsv1.DaemonSetUpdateStrategy, fldPath *field.Path) field.ErrorList {
	switch s.Type {
	case appsv1.OnDeleteDaemonSetStrategyType:
		return nil
	case appsv1.RollingUpdateDaemonSetStrategyType:
	default:
		return field.ErrorList{field.NotSupported(fldPath.Child("type"), s.Type, []string{"RollingUpdate", "OnDelete"})}
	}
	rp := fldPath.Child("rollingUpdate")
	ru := s.RollingUpdate
	if ru == nil {
		return field.ErrorList{field.Required(rp, "")}
	}
	errs := intOrPercent(ru.MaxUnavailable, rp.Child("maxUnavailable"))
	errs = append(errs, intOrPercent(ru.MaxSurge, rp.Child("maxSurge"))...)
	errs = append(errs, notOver100(ru.MaxUnavailable, rp.Child("maxUnavailable"))...)
	errs = append(errs, notOver100(ru.MaxSurge, rp.Child("maxSurge"))...)
	unavailable, surge := intOrPercentValue(ru.MaxUnavailable) != 0, intOrPercentValue(ru.MaxSurge) != 0
	switch {
	case unavailable && surge:
		errs = append(errs, field.Invalid(rp.Child("maxSurge"), ru.MaxSurge, "may not be set when maxUnavailable is non-zero"))
	case !unavailable && !surge:
		errs = append(errs, field.Required(rp.Child("maxUnavailable"), "cannot be 0 when maxSurge is 0"))
	}
	return errs
}

// StatefulSet validates a stateful set spec.
func StatefulSet(ss *appsv1.StatefulSet) field.ErrorList {
	sp := &ss.Spec
	var errs field.ErrorList
	switch sp.PodManagementPolicy {
	case "":
		errs = append(errs, field.Required(specPath.Child("podManagementPolicy"), ""))
	case appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement:
	default:
		errs = append(errs, field.Invalid(specPath.Child("podManagementPolicy"), sp.PodManagementPolicy, "must be 'OrderedReady' or 'Parallel'"))
	}
	up := specPath.Child("updateStrategy")
	switch sp.UpdateStrategy.Type {
	case "":
		errs = append(errs, field.Required(up, ""))
	case appsv1.OnDeleteStatefulSetStrategyType:
		if sp.UpdateStrategy.RollingUpdate != nil {
			errs = append(errs, field.Invalid(up.Child("rollingUpdate"), sp.UpdateStrategy.RollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"))
		}
	case appsv1.RollingUpdateStatefulSetStrategyType:
		if ru := sp.UpdateStrategy.RollingUpdate; ru != nil {
			errs = append(errs, optNonNegative(ru.Partition, up.Child("rollingUpdate", "partition"))...)
		}
	default:
		errs = append(errs, field.Invalid(up, sp.UpdateStrategy, "must be 'RollingUpdate' or 'OnDelete'"))
	}
	errs = append(errs, optNonNegative(sp.Replicas, specPath.Child("replicas"))...)
	errs = append(errs, nonNegative(int64(sp.MinReadySeconds), specPath.Child("minReadySeconds"))...)
	errs = append(errs, labelSelector(sp.Selector, sp.Template.Labels, "statefulset")...)
	return append(errs, replicatedTemplate(&sp.Template, "StatefulSet", specPath.Child("template"))...)
}

// StatefulSetUpdate forbids changes outside the mutable spec fields.
func StatefulSetUpdate(ss, old *appsv1.StatefulSet) field.ErrorList {
	n := ss.Spec.DeepCopy()
	n.Replicas, n.Ordinals, n.Template = old.Spec.Replicas, old.Spec.Ordinals, old.Spec.Template
	n.UpdateStrategy, n.RevisionHistoryLimit = old.Spec.UpdateStrategy, old.Spec.RevisionHistoryLimit
	n.PersistentVolumeClaimRetentionPolicy, n.MinReadySeconds = old.Spec.PersistentVolumeClaimRetentionPolicy, old.Spec.MinReadySeconds
	if !apiequality.Semantic.DeepEqual(*n, old.Spec) {
		return field.ErrorList{field.Forbidden(specPath, "updates to statefulset spec for fields other than 'replicas', 'ordinals', "+
			"'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")}
	}
	return nil
}

// ControllerRevision requires data and a non-negative revision.
func ControllerRevision(cr *appsv1.ControllerRevision) field.ErrorList {
	errs := nonNegative(cr.Revision, field.NewPath("revision"))
	if cr.Data.Raw == nil && cr.Data.Object == nil {
		errs = append(errs, field.Required(field.NewPath("data"), ""))
	}
	return errs
}

func nonNegative(v int64, fldPath *field.Path) field.ErrorList {
	return apimachineryvalidation.ValidateNonnegativeField(v, fldPath)
}

func optNonNegative[T int32 | int64](v *T, fldPath *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	return nonNegative(int64(*v), fldPath)
}

// intOrPercent validates a non-negative integer or a percent string.
func intOrPercent(v *intstr.IntOrString, fldPath *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	if v.Type == intstr.String {
		var errs field.ErrorList
		for _, msg := range validation.IsValidPercent(v.StrVal) {
			errs = append(errs, field.Invalid(fldPath, v, msg))
		}
		return errs
	}
	return nonNegative(int64(v.IntVal), fldPath)
}

func percentValue(v *intstr.IntOrString) (int, bool) {
	if v == nil || v.Type != intstr.String {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSuffix(v.StrVal, "%"))
	return n, err == nil
}

func intOrPercentValue(v *intstr.IntOrString) int {
	if v == nil {
		return 0
	}
	if n, ok := percentValue(v); ok {
		return n
	}
	return int(v.IntVal)
}

func notOver100(v *intstr.IntOrString, fldPath *field.Path) field.ErrorList {
	if n, ok := percentValue(v); ok && n > 100 {
		return field.ErrorList{field.Invalid(fldPath, v, "must not be greater than 100%")}
	}
	return nil
}
