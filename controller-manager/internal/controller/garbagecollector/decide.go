package garbagecollector

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Finalizers the apiserver adds for DELETE propagation policies.
const (
	FinalizerOrphan     = metav1.FinalizerOrphanDependents
	FinalizerForeground = metav1.FinalizerDeleteDependents
)

// OwnerState is what the collector knows about one owner reference.
type OwnerState int

// Owner states.
const (
	// Present: the owner exists and is not being deleted in the foreground.
	Present OwnerState = iota
	// Absent: no object with the reference's UID exists.
	Absent
	// Waiting: the owner is being deleted in the foreground and waits for
	// its dependents.
	Waiting
)

// ActionKind is what to do with a dependent.
type ActionKind int

// Action kinds.
const (
	Keep ActionKind = iota
	Delete
	RemoveRefs
)

// Action is Decide's verdict.
type Action struct {
	Kind   ActionKind
	Policy metav1.DeletionPropagation // for Delete
	Remove []types.UID                // for RemoveRefs
}

// Decide chooses what to do with a dependent given the state of each of
// its owner references (states[i] belongs to refs[i]), as upstream's
// attemptToDeleteItem: with any present owner the dependent stays but
// loses references to absent and waiting owners; with none it is deleted,
// in the foreground if some owner waits for it.
func Decide(refs []metav1.OwnerReference, states []OwnerState) Action {
	var present, waiting int
	var drop []types.UID
	for i, ref := range refs {
		switch states[i] {
		case Present:
			present++
		case Waiting:
			waiting++
			drop = append(drop, ref.UID)
		case Absent:
			drop = append(drop, ref.UID)
		}
	}
	switch {
	case len(refs) == 0:
		return Action{Kind: Keep}
	case present > 0 && len(drop) == 0:
		return Action{Kind: Keep}
	case present > 0:
		return Action{Kind: RemoveRefs, Remove: drop}
	case waiting > 0:
		return Action{Kind: Delete, Policy: metav1.DeletePropagationForeground}
	default:
		return Action{Kind: Delete, Policy: metav1.DeletePropagationBackground}
	}
}

// Blocking reports whether dependent's reference to owner blocks the
// owner's foreground deletion.
func Blocking(dependent metav1.Object, owner types.UID) bool {
	for _, ref := range dependent.GetOwnerReferences() {
		if ref.UID == owner && ref.BlockOwnerDeletion != nil && *ref.BlockOwnerDeletion {
			return true
		}
	}
	return false
}

// WithoutRefs returns refs minus those whose UID is in drop.
func WithoutRefs(refs []metav1.OwnerReference, drop []types.UID) []metav1.OwnerReference {
	out := make([]metav1.OwnerReference, 0, len(refs))
	for _, r := range refs {
		keep := true
		for _, d := range drop {
			if r.UID == d {
				keep = false
			}
		}
		if keep {
			out = append(out, r)
		}
	}
	return out
}

// HasFinalizer reports whether obj carries finalizer f.
func HasFinalizer(obj metav1.Object, f string) bool {
	for _, x := range obj.GetFinalizers() {
		if x == f {
			return true
		}
	}
	return false
}

// StateOf classifies an existing owner.
func StateOf(owner metav1.Object) OwnerState {
	if owner.GetDeletionTimestamp() != nil && HasFinalizer(owner, FinalizerForeground) {
		return Waiting
	}
	return Present
}
