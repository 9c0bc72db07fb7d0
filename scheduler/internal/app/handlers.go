package app

import (
	"maps"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/wharfhq/wharf/proto/informer"
)

func assigned(p *corev1.Pod) bool { return p.Spec.NodeName != "" }

func terminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

func (s *scheduler) ours(p *corev1.Pod) bool {
	name := p.Spec.SchedulerName
	if name == "" {
		name = corev1.DefaultSchedulerName
	}
	return name == s.opts.SchedulerName && p.DeletionTimestamp == nil
}

func (s *scheduler) addHandlers() {
	s.pods.AddHandler(informer.Handler[*corev1.Pod]{
		OnAdd:    func(p *corev1.Pod, _ bool) { s.podAdded(p) },
		OnUpdate: s.podUpdated,
		OnDelete: s.podDeleted,
	})
	s.nodes.AddHandler(informer.Handler[*corev1.Node]{
		OnAdd: func(n *corev1.Node, _ bool) {
			s.cache.AddNode(n)
			s.queue.MoveAll()
		},
		OnUpdate: func(old, n *corev1.Node) {
			s.cache.AddNode(n)
			if nodeChanged(old, n) {
				s.queue.MoveAll()
			}
		},
		OnDelete: func(n *corev1.Node) { s.cache.RemoveNode(n.Name) },
	})
	s.pvcs.AddHandler(informer.Handler[*corev1.PersistentVolumeClaim]{
		OnAdd:    func(*corev1.PersistentVolumeClaim, bool) { s.queue.MoveAll() },
		OnUpdate: func(_, _ *corev1.PersistentVolumeClaim) { s.queue.MoveAll() },
	})
	s.pvs.AddHandler(informer.Handler[*corev1.PersistentVolume]{
		OnAdd:    func(*corev1.PersistentVolume, bool) { s.queue.MoveAll() },
		OnUpdate: func(_, _ *corev1.PersistentVolume) { s.queue.MoveAll() },
	})
}

func (s *scheduler) podAdded(p *corev1.Pod) {
	switch {
	case assigned(p) && !terminal(p):
		s.cache.AddPod(p)
		s.queue.MoveIf(hasPodAffinity)
	case !assigned(p) && s.ours(p):
		s.queue.Add(p)
	}
}

func (s *scheduler) podUpdated(old, p *corev1.Pod) {
	switch {
	case assigned(p) && terminal(p):
		s.cache.RemovePod(p.UID)
		s.queue.Delete(p.UID)
		s.queue.MoveAll()
	case assigned(p):
		s.queue.Delete(p.UID)
		s.cache.AddPod(p)
		if !assigned(old) || !maps.Equal(old.Labels, p.Labels) {
			s.queue.MoveIf(hasPodAffinity)
		}
	case s.ours(p):
		changed := !maps.Equal(old.Labels, p.Labels) || !equality.Semantic.DeepEqual(old.Spec, p.Spec)
		s.queue.Update(p, changed)
	default:
		s.queue.Delete(p.UID)
	}
}

func (s *scheduler) podDeleted(p *corev1.Pod) {
	s.queue.Delete(p.UID)
	s.cache.RemovePod(p.UID)
	if assigned(p) {
		s.queue.MoveAll()
	}
}

// nodeChanged reports whether a node update could make a pod fit: not
// every heartbeat is worth retrying unschedulable pods.
func nodeChanged(old, n *corev1.Node) bool {
	return !equality.Semantic.DeepEqual(old.Status.Allocatable, n.Status.Allocatable) ||
		!maps.Equal(old.Labels, n.Labels) ||
		old.Spec.Unschedulable != n.Spec.Unschedulable ||
		!equality.Semantic.DeepEqual(old.Spec.Taints, n.Spec.Taints) ||
		readyStatus(old) != readyStatus(n)
}

func readyStatus(n *corev1.Node) corev1.ConditionStatus {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status
		}
	}
	return ""
}
