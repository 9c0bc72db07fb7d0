package replication

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/wharfhq/wharf/proto/api"
	"github.com/wharfhq/wharf/proto/client"
)

// Status is the replica counts shared by ReplicaSet and
// ReplicationController status.
type Status struct {
	Replicas, FullyLabeledReplicas, ReadyReplicas, AvailableReplicas int32
	ObservedGeneration                                               int64
}

// Kind adapts a replicated workload type (ReplicaSet or
// ReplicationController) to the one controller that manages both.
type Kind[T api.Object] struct {
	GVK             schema.GroupVersionKind
	Replicas        func(T) int32
	Selector        func(T) (labels.Selector, error)
	Template        func(T) *corev1.PodTemplateSpec
	MinReadySeconds func(T) int32
	Status          func(T) Status
	// UpdateStatus writes st to the object's status subresource.
	UpdateStatus func(ctx context.Context, c *client.Client, obj T, st Status) error
}

func int32Or1(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// ReplicaSetKind is the Kind for apps/v1 ReplicaSets.
func ReplicaSetKind() Kind[*appsv1.ReplicaSet] {
	return Kind[*appsv1.ReplicaSet]{
		GVK:      appsv1.SchemeGroupVersion.WithKind("ReplicaSet"),
		Replicas: func(rs *appsv1.ReplicaSet) int32 { return int32Or1(rs.Spec.Replicas) },
		Selector: func(rs *appsv1.ReplicaSet) (labels.Selector, error) {
			return metav1.LabelSelectorAsSelector(rs.Spec.Selector)
		},
		Template:        func(rs *appsv1.ReplicaSet) *corev1.PodTemplateSpec { return &rs.Spec.Template },
		MinReadySeconds: func(rs *appsv1.ReplicaSet) int32 { return rs.Spec.MinReadySeconds },
		Status: func(rs *appsv1.ReplicaSet) Status {
			s := rs.Status
			return Status{s.Replicas, s.FullyLabeledReplicas, s.ReadyReplicas, s.AvailableReplicas, s.ObservedGeneration}
		},
		UpdateStatus: func(ctx context.Context, c *client.Client, rs *appsv1.ReplicaSet, st Status) error {
			rs = rs.DeepCopy()
			rs.Status.Replicas, rs.Status.FullyLabeledReplicas = st.Replicas, st.FullyLabeledReplicas
			rs.Status.ReadyReplicas, rs.Status.AvailableReplicas = st.ReadyReplicas, st.AvailableReplicas
			rs.Status.ObservedGeneration = st.ObservedGeneration
			_, err := client.ReplicaSets(c, rs.Namespace).UpdateStatus(ctx, rs, metav1.UpdateOptions{})
			return err
		},
	}
}

// ReplicationControllerKind is the Kind for v1 ReplicationControllers.
func ReplicationControllerKind() Kind[*corev1.ReplicationController] {
	return Kind[*corev1.ReplicationController]{
		GVK:      corev1.SchemeGroupVersion.WithKind("ReplicationController"),
		Replicas: func(rc *corev1.ReplicationController) int32 { return int32Or1(rc.Spec.Replicas) },
		Selector: func(rc *corev1.ReplicationController) (labels.Selector, error) {
			if len(rc.Spec.Selector) == 0 {
				return labels.Nothing(), nil
			}
			return labels.SelectorFromSet(rc.Spec.Selector), nil
		},
		Template: func(rc *corev1.ReplicationController) *corev1.PodTemplateSpec {
			if rc.Spec.Template == nil {
				return &corev1.PodTemplateSpec{}
			}
			return rc.Spec.Template
		},
		MinReadySeconds: func(rc *corev1.ReplicationController) int32 { return rc.Spec.MinReadySeconds },
		Status: func(rc *corev1.ReplicationController) Status {
			s := rc.Status
			return Status{s.Replicas, s.FullyLabeledReplicas, s.ReadyReplicas, s.AvailableReplicas, s.ObservedGeneration}
		},
		UpdateStatus: func(ctx context.Context, c *client.Client, rc *corev1.ReplicationController, st Status) error {
			rc = rc.DeepCopy()
			rc.Status.Replicas, rc.Status.FullyLabeledReplicas = st.Replicas, st.FullyLabeledReplicas
			rc.Status.ReadyReplicas, rc.Status.AvailableReplicas = st.ReadyReplicas, st.AvailableReplicas
			rc.Status.ObservedGeneration = st.ObservedGeneration
			_, err := client.ReplicationControllers(c, rc.Namespace).UpdateStatus(ctx, rc, metav1.UpdateOptions{})
			return err
		},
	}
}
