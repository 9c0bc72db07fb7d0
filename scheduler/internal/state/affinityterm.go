package state

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/sets"
)

// AffinityTerm is a compiled required pod (anti-)affinity term. A pod is
// in the term's scope when its namespace is listed in Namespaces or its
// namespace's labels match NamespaceSelector, as upstream: an absent
// namespaces list and namespaceSelector mean the owning pod's namespace,
// an empty namespaceSelector ({}) means every namespace.
type AffinityTerm struct {
	Selector   labels.Selector
	Namespaces sets.Set[string]
	// NamespaceSelector is nil when the term has none.
	NamespaceSelector labels.Selector
	TopologyKey       string
}

// Matches reports whether pod p, whose namespace carries nsLabels, is
// selected by the term.
func (t *AffinityTerm) Matches(p *corev1.Pod, nsLabels labels.Set) bool {
	inScope := t.Namespaces.Has(p.Namespace) ||
		(t.NamespaceSelector != nil && t.NamespaceSelector.Matches(nsLabels))
	return inScope && t.Selector.Matches(labels.Set(p.Labels))
}

// resolve returns a copy of t whose namespaceSelector has been turned into
// names, given every namespace's labels; an empty selector stays (it
// matches everything, also namespaces created later).
func (t AffinityTerm) resolve(namespaces map[string]labels.Set) AffinityTerm {
	if t.NamespaceSelector == nil || t.NamespaceSelector.Empty() {
		return t
	}
	ns := t.Namespaces.Clone()
	for name, lbls := range namespaces {
		if t.NamespaceSelector.Matches(lbls) {
			ns.Insert(name)
		}
	}
	t.Namespaces, t.NamespaceSelector = ns, nil
	return t
}

func compileAffinityTerms(pod *corev1.Pod, terms []corev1.PodAffinityTerm) ([]AffinityTerm, error) {
	var out []AffinityTerm
	for i := range terms {
		t, err := compileAffinityTerm(pod, &terms[i])
		if err != nil {
			return nil, fmt.Errorf("term %d: %w", i, err)
		}
		out = append(out, t)
	}
	return out, nil
}

func compileAffinityTerm(pod *corev1.Pod, t *corev1.PodAffinityTerm) (AffinityTerm, error) {
	if t.TopologyKey == "" {
		return AffinityTerm{}, fmt.Errorf("empty topologyKey")
	}
	sel, err := metav1.LabelSelectorAsSelector(t.LabelSelector)
	if err != nil {
		return AffinityTerm{}, fmt.Errorf("labelSelector: %w", err)
	}
	if t.LabelSelector == nil {
		sel = labels.Nothing()
	}
	out := AffinityTerm{Selector: sel, Namespaces: sets.New(t.Namespaces...), TopologyKey: t.TopologyKey}
	if t.NamespaceSelector != nil {
		if out.NamespaceSelector, err = metav1.LabelSelectorAsSelector(t.NamespaceSelector); err != nil {
			return AffinityTerm{}, fmt.Errorf("namespaceSelector: %w", err)
		}
	} else if len(t.Namespaces) == 0 {
		out.Namespaces.Insert(pod.Namespace)
	}
	return out, nil
}
