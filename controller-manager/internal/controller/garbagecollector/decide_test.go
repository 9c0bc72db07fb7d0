package garbagecollector

import (
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestDecide(t *testing.T) {
	refs := func(uids ...string) []metav1.OwnerReference {
		var out []metav1.OwnerReference
		for _, u := range uids {
			out = append(out, metav1.OwnerReference{UID: types.UID(u), Name: u})
		}
		return out
	}
	tests := []struct {
		name   string
		refs   []metav1.OwnerReference
		states []OwnerState
		want   Action
	}{
		{"no owners", nil, nil, Action{Kind: Keep}},
		{"owner present", refs("a"), []OwnerState{Present}, Action{Kind: Keep}},
		{"owner gone", refs("a"), []OwnerState{Absent}, Action{Kind: Delete, Policy: metav1.DeletePropagationBackground}},
		{"all owners gone", refs("a", "b"), []OwnerState{Absent, Absent}, Action{Kind: Delete, Policy: metav1.DeletePropagationBackground}},
		{"one of two gone", refs("a", "b"), []OwnerState{Present, Absent}, Action{Kind: RemoveRefs, Remove: []types.UID{"b"}}},
		{"owner waits (foreground)", refs("a"), []OwnerState{Waiting}, Action{Kind: Delete, Policy: metav1.DeletePropagationForeground}},
		{"waiting and gone", refs("a", "b"), []OwnerState{Waiting, Absent}, Action{Kind: Delete, Policy: metav1.DeletePropagationForeground}},
		{"waiting and present", refs("a", "b"), []OwnerState{Waiting, Present}, Action{Kind: RemoveRefs, Remove: []types.UID{"a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Decide(tt.refs, tt.states); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Decide = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestStateOfAndBlocking(t *testing.T) {
	now := metav1.Now()
	tr := true
	owner := &metav1.ObjectMeta{UID: "o", DeletionTimestamp: &now, Finalizers: []string{FinalizerForeground}}
	if StateOf(owner) != Waiting {
		t.Error("foreground-deleting owner should be Waiting")
	}
	owner.Finalizers = []string{FinalizerOrphan}
	if StateOf(owner) != Present {
		t.Error("orphan-deleting owner should be Present")
	}
	dep := &metav1.ObjectMeta{OwnerReferences: []metav1.OwnerReference{{UID: "o", BlockOwnerDeletion: &tr}, {UID: "p"}}}
	if !Blocking(dep, "o") || Blocking(dep, "p") || Blocking(dep, "x") {
		t.Error("Blocking wrong")
	}
	if got := WithoutRefs(dep.OwnerReferences, []types.UID{"o"}); len(got) != 1 || got[0].UID != "p" {
		t.Errorf("WithoutRefs = %+v", got)
	}
}
