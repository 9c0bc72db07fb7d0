package app

import (
	"maps"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/wharfhq/wharf/proto/informer"
)

// namespaceLabels publishes every namespace's labels for the
// namespaceSelectors of pod (anti-)affinity terms. The informer's handler
// goroutine writes a fresh map on each change; the scheduling loop reads
// it without locks and never mutates it.
type namespaceLabels struct {
	cur atomic.Pointer[map[string]labels.Set]
}

// get returns the current map (nil before the first namespace is seen).
func (n *namespaceLabels) get() map[string]labels.Set {
	if m := n.cur.Load(); m != nil {
		return *m
	}
	return nil
}

// set copies the map with ns's labels replaced (lbls == nil deletes ns).
func (n *namespaceLabels) set(ns string, lbls map[string]string, present bool) {
	next := maps.Clone(n.get())
	if next == nil {
		next = make(map[string]labels.Set)
	}
	if present {
		next[ns] = labels.Set(maps.Clone(lbls))
	} else {
		delete(next, ns)
	}
	n.cur.Store(&next)
}

// addNamespaceHandlers keeps s.nsLabels current and retries unschedulable
// pods with affinity when a namespace appears or its labels change.
func (s *scheduler) addNamespaceHandlers() {
	s.namespaces.AddHandler(informer.Handler[*corev1.Namespace]{
		OnAdd: func(ns *corev1.Namespace, _ bool) {
			s.nsLabels.set(ns.Name, ns.Labels, true)
			s.queue.MoveIf(hasPodAffinity)
		},
		OnUpdate: func(old, ns *corev1.Namespace) {
			if maps.Equal(old.Labels, ns.Labels) {
				return
			}
			s.nsLabels.set(ns.Name, ns.Labels, true)
			s.queue.MoveIf(hasPodAffinity)
		},
		OnDelete: func(ns *corev1.Namespace) { s.nsLabels.set(ns.Name, nil, false) },
	})
}

// hasPodAffinity reports whether pod has required pod affinity terms, the
// only pods an assigned pod appearing can make schedulable.
func hasPodAffinity(pod *corev1.Pod) bool {
	a := pod.Spec.Affinity
	return a != nil && a.PodAffinity != nil && len(a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution) > 0
}
