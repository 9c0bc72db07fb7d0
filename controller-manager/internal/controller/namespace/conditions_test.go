package namespace

import (
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func condByType(conds []corev1.NamespaceCondition, t corev1.NamespaceConditionType) corev1.NamespaceCondition {
	for _, c := range conds {
		if c.Type == t {
			return c
		}
	}
	return corev1.NamespaceCondition{}
}

func TestConditions(t *testing.T) {
	now := metav1.NewTime(time.Unix(1000, 0))
	tests := []struct {
		name                         string
		out                          Outcome
		failure, remaining, finalize corev1.ConditionStatus
		done                         bool
		remainingMsg                 string
	}{
		{"empty", Outcome{}, "False", "False", "False", true, ""},
		{"pods left", Outcome{Remaining: map[string]int{"pods": 2}, Finalizers: map[string]int{"example.com/x": 1}},
			"False", "True", "True", false, "Some resources are remaining: pods has 2 resource instances"},
		{"delete failed", Outcome{DeleteErrors: []error{errors.New("secrets: boom")}}, "True", "False", "False", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conds := Conditions(tt.out, now)
			if len(conds) != 5 {
				t.Fatalf("got %d conditions, want 5", len(conds))
			}
			check := func(ct corev1.NamespaceConditionType, want corev1.ConditionStatus) {
				if got := condByType(conds, ct).Status; got != want {
					t.Errorf("%s = %s, want %s", ct, got, want)
				}
			}
			check(corev1.NamespaceDeletionContentFailure, tt.failure)
			check(corev1.NamespaceContentRemaining, tt.remaining)
			check(corev1.NamespaceFinalizersRemaining, tt.finalize)
			if tt.out.Done() != tt.done {
				t.Errorf("Done = %v, want %v", tt.out.Done(), tt.done)
			}
			if got := condByType(conds, corev1.NamespaceContentRemaining).Message; got != tt.remainingMsg {
				t.Errorf("remaining message = %q, want %q", got, tt.remainingMsg)
			}
		})
	}
}

func TestSetConditionsKeepsTransitionTime(t *testing.T) {
	t1, t2 := metav1.NewTime(time.Unix(1000, 0)), metav1.NewTime(time.Unix(2000, 0))
	ns := &corev1.Namespace{}
	if !SetConditions(ns, Conditions(Outcome{Remaining: map[string]int{"pods": 1}}, t1)) {
		t.Fatal("first set reported no change")
	}
	if SetConditions(ns, Conditions(Outcome{Remaining: map[string]int{"pods": 1}}, t2)) {
		t.Fatal("same conditions reported a change")
	}
	if !SetConditions(ns, Conditions(Outcome{}, t2)) {
		t.Fatal("content removed reported no change")
	}
	if got := condByType(ns.Status.Conditions, corev1.NamespaceDeletionDiscoveryFailure).LastTransitionTime; !got.Equal(&t1) {
		t.Errorf("unchanged condition's transition time = %v, want %v", got, t1)
	}
	if got := condByType(ns.Status.Conditions, corev1.NamespaceContentRemaining).LastTransitionTime; !got.Equal(&t2) {
		t.Errorf("changed condition's transition time = %v, want %v", got, t2)
	}
}
