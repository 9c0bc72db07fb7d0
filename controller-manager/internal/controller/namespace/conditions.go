package namespace

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Outcome is what one deletion pass found.
type Outcome struct {
	// DeleteErrors are the failed deletecollections and lists.
	DeleteErrors []error
	// Remaining counts the objects left per resource ("pods").
	Remaining map[string]int
	// Finalizers counts the objects left per finalizer name.
	Finalizers map[string]int
}

// Done reports whether the namespace is empty and nothing failed.
func (o Outcome) Done() bool { return len(o.DeleteErrors) == 0 && len(o.Remaining) == 0 }

// Conditions renders o as upstream's namespace deletion conditions.
func Conditions(o Outcome, now metav1.Time) []corev1.NamespaceCondition {
	cond := func(t corev1.NamespaceConditionType, bad bool, badReason, goodReason, msg string) corev1.NamespaceCondition {
		c := corev1.NamespaceCondition{Type: t, Status: corev1.ConditionFalse, Reason: goodReason, LastTransitionTime: now}
		if bad {
			c.Status, c.Reason, c.Message = corev1.ConditionTrue, badReason, msg
		}
		return c
	}
	var errMsgs []string
	for _, e := range o.DeleteErrors {
		errMsgs = append(errMsgs, e.Error())
	}
	return []corev1.NamespaceCondition{
		cond(corev1.NamespaceDeletionDiscoveryFailure, false, "", "ResourcesDiscovered", ""),
		cond(corev1.NamespaceDeletionGVParsingFailure, false, "", "ParsedGroupVersions", ""),
		cond(corev1.NamespaceDeletionContentFailure, len(errMsgs) > 0, "ContentDeletionFailed", "ContentDeleted",
			"Failed to delete all resource types, "+fmt.Sprint(len(errMsgs))+" remaining: "+strings.Join(errMsgs, ", ")),
		cond(corev1.NamespaceContentRemaining, len(o.Remaining) > 0, "SomeResourcesRemain", "ContentRemoved",
			"Some resources are remaining: "+countList(o.Remaining, "resource instances")),
		cond(corev1.NamespaceFinalizersRemaining, len(o.Finalizers) > 0, "SomeFinalizersRemain", "ContentHasNoFinalizers",
			"Some content in the namespace has finalizers remaining: "+countList(o.Finalizers, "resource instances")),
	}
}

// countList renders {"pods": 2} as "pods has 2 resource instances", sorted.
func countList(m map[string]int, noun string) string {
	var parts []string
	for k, n := range m {
		parts = append(parts, fmt.Sprintf("%s has %d %s", k, n, noun))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// SetConditions replaces ns's conditions with conds, keeping the
// transition time of conditions whose status did not change. It reports
// whether anything changed.
func SetConditions(ns *corev1.Namespace, conds []corev1.NamespaceCondition) bool {
	changed := len(ns.Status.Conditions) != len(conds)
	for i := range conds {
		found := false
		for _, old := range ns.Status.Conditions {
			if old.Type != conds[i].Type {
				continue
			}
			found = true
			if old.Status == conds[i].Status {
				conds[i].LastTransitionTime = old.LastTransitionTime
			}
			if old.Status != conds[i].Status || old.Reason != conds[i].Reason || old.Message != conds[i].Message {
				changed = true
			}
		}
		changed = changed || !found
	}
	if changed {
		ns.Status.Conditions = conds
	}
	return changed
}
