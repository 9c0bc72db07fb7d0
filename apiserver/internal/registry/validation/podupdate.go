package validation

import (
	"math"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// podUpdateForbiddenMsg is upstream's message for a change to an
// immutable part of a pod spec.
const podUpdateForbiddenMsg = "pod updates may not change fields other than `spec.containers[*].image`," +
	"`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations)," +
	"`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"

// PodUpdate checks that a pod update only changes what upstream allows:
// container images, activeDeadlineSeconds (lowered or set), added
// tolerations and removed scheduling gates.
func PodUpdate(pod, old *corev1.Pod) field.ErrorList {
	if len(pod.Spec.Containers) != len(old.Spec.Containers) {
		return field.ErrorList{field.Invalid(specPath.Child("containers"), len(pod.Spec.Containers), "pod updates may not add or remove containers")}
	}
	if len(pod.Spec.InitContainers) != len(old.Spec.InitContainers) {
		return field.ErrorList{field.Invalid(specPath.Child("initContainers"), len(pod.Spec.InitContainers), "pod updates may not add or remove containers")}
	}
	errs := activeDeadlineUpdate(pod.Spec.ActiveDeadlineSeconds, old.Spec.ActiveDeadlineSeconds)
	errs = append(errs, tolerationsUpdate(pod.Spec.Tolerations, old.Spec.Tolerations, specPath.Child("tolerations"))...)

	munged := pod.Spec.DeepCopy()
	for i := range munged.Containers {
		munged.Containers[i].Image = old.Spec.Containers[i].Image
	}
	for i := range munged.InitContainers {
		munged.InitContainers[i].Image = old.Spec.InitContainers[i].Image
	}
	munged.ActiveDeadlineSeconds = old.Spec.ActiveDeadlineSeconds
	munged.Tolerations = old.Spec.Tolerations
	if len(munged.SchedulingGates) < len(old.Spec.SchedulingGates) {
		munged.SchedulingGates = old.Spec.SchedulingGates
	}
	if g := old.Spec.TerminationGracePeriodSeconds; g != nil && *g < 0 && munged.TerminationGracePeriodSeconds != nil && *munged.TerminationGracePeriodSeconds == 1 {
		munged.TerminationGracePeriodSeconds = g
	}
	if !apiequality.Semantic.DeepEqual(*munged, old.Spec) {
		diff := cmp.Diff(old.Spec, *munged)
		errs = append(errs, field.Forbidden(field.NewPath("spec"), podUpdateForbiddenMsg+"\n"+diff))
	}
	return errs
}

func activeDeadlineUpdate(v, old *int64) field.ErrorList {
	p := specPath.Child("activeDeadlineSeconds")
	switch {
	case v == nil && old != nil:
		return field.ErrorList{field.Invalid(p, v, "must not update from a positive integer to nil value")}
	case v == nil:
		return nil
	case *v < 0 || *v > math.MaxInt32:
		return field.ErrorList{field.Invalid(p, *v, validation.InclusiveRangeError(0, math.MaxInt32))}
	case old != nil && *old < *v:
		return field.ErrorList{field.Invalid(p, *v, "must be less than or equal to previous value")}
	}
	return nil
}

// tolerationsUpdate requires every old toleration to be kept; only its
// tolerationSeconds may change.
func tolerationsUpdate(ts, old []corev1.Toleration, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, o := range old {
		found := false
		for _, t := range ts {
			o2 := o
			o2.TolerationSeconds = t.TolerationSeconds
			if apiequality.Semantic.DeepEqual(o2, t) {
				found = true
				break
			}
		}
		if !found {
			errs = append(errs, field.Forbidden(fldPath.Index(i), "existing toleration can not be modified except its tolerationSeconds"))
		}
	}
	return errs
}
