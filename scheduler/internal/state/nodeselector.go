package state

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/util/sets"
)

// NodeSelector is a compiled corev1.NodeSelector: the terms are ORed, the
// requirements within one term ANDed. A nil *NodeSelector matches every node.
type NodeSelector struct {
	terms []nodeSelectorTerm
}

type nodeSelectorTerm struct {
	labels labels.Selector
	// names is the set allowed by matchFields on metadata.name (In/NotIn).
	names    sets.Set[string]
	notNames sets.Set[string]
}

// CompileNodeSelector compiles ns; a nil ns gives a nil selector. Terms
// that are empty match nothing, as upstream.
func CompileNodeSelector(ns *corev1.NodeSelector) (*NodeSelector, error) {
	if ns == nil {
		return nil, nil
	}
	out := &NodeSelector{}
	for i := range ns.NodeSelectorTerms {
		t := &ns.NodeSelectorTerms[i]
		if len(t.MatchExpressions) == 0 && len(t.MatchFields) == 0 {
			continue
		}
		ct, err := compileTerm(t)
		if err != nil {
			return nil, fmt.Errorf("nodeSelectorTerms[%d]: %w", i, err)
		}
		out.terms = append(out.terms, ct)
	}
	return out, nil
}

func compileTerm(t *corev1.NodeSelectorTerm) (nodeSelectorTerm, error) {
	ct := nodeSelectorTerm{labels: labels.Everything()}
	if len(t.MatchExpressions) > 0 {
		sel, err := compileExpressions(t.MatchExpressions)
		if err != nil {
			return ct, err
		}
		ct.labels = sel
	}
	for _, f := range t.MatchFields {
		if f.Key != "metadata.name" {
			return ct, fmt.Errorf("matchFields: unsupported key %q", f.Key)
		}
		switch f.Operator {
		case corev1.NodeSelectorOpIn:
			if len(f.Values) != 1 {
				return ct, fmt.Errorf("matchFields: %q needs exactly one value", f.Key)
			}
			ct.names = sets.New(f.Values...)
		case corev1.NodeSelectorOpNotIn:
			if len(f.Values) != 1 {
				return ct, fmt.Errorf("matchFields: %q needs exactly one value", f.Key)
			}
			ct.notNames = sets.New(f.Values...)
		default:
			return ct, fmt.Errorf("matchFields: unsupported operator %q", f.Operator)
		}
	}
	return ct, nil
}

var nodeOps = map[corev1.NodeSelectorOperator]selection.Operator{
	corev1.NodeSelectorOpIn:           selection.In,
	corev1.NodeSelectorOpNotIn:        selection.NotIn,
	corev1.NodeSelectorOpExists:       selection.Exists,
	corev1.NodeSelectorOpDoesNotExist: selection.DoesNotExist,
	corev1.NodeSelectorOpGt:           selection.GreaterThan,
	corev1.NodeSelectorOpLt:           selection.LessThan,
}

func compileExpressions(exprs []corev1.NodeSelectorRequirement) (labels.Selector, error) {
	sel := labels.NewSelector()
	for _, e := range exprs {
		op, ok := nodeOps[e.Operator]
		if !ok {
			return nil, fmt.Errorf("matchExpressions: unknown operator %q", e.Operator)
		}
		req, err := labels.NewRequirement(e.Key, op, e.Values)
		if err != nil {
			return nil, fmt.Errorf("matchExpressions: %w", err)
		}
		sel = sel.Add(*req)
	}
	return sel, nil
}

// Matches reports whether the node's name and labels satisfy s.
func (s *NodeSelector) Matches(name string, lbls map[string]string) bool {
	if s == nil {
		return true
	}
	for i := range s.terms {
		if s.terms[i].matches(name, lbls) {
			return true
		}
	}
	return false
}

func (t *nodeSelectorTerm) matches(name string, lbls map[string]string) bool {
	if t.names != nil && !t.names.Has(name) {
		return false
	}
	if t.notNames != nil && t.notNames.Has(name) {
		return false
	}
	return t.labels.Matches(labels.Set(lbls))
}

// PreferredTerm is one compiled preferredDuringScheduling term.
type PreferredTerm struct {
	Weight   int64
	Selector *NodeSelector
}

// CompilePreferred compiles preferred scheduling terms; terms that fail
// to compile are dropped with the error reported.
func CompilePreferred(terms []corev1.PreferredSchedulingTerm) ([]PreferredTerm, error) {
	var out []PreferredTerm
	for i := range terms {
		t := &terms[i]
		if len(t.Preference.MatchExpressions) == 0 && len(t.Preference.MatchFields) == 0 {
			continue
		}
		ct, err := compileTerm(&t.Preference)
		if err != nil {
			return out, fmt.Errorf("preferredDuringSchedulingIgnoredDuringExecution[%d]: %w", i, err)
		}
		out = append(out, PreferredTerm{Weight: int64(t.Weight), Selector: &NodeSelector{terms: []nodeSelectorTerm{ct}}})
	}
	return out, nil
}
