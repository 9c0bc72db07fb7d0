package defaults

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/wharfhq/wharf/proto/api"
)

// Apply sets upstream's defaults on obj in place. Kinds without defaults
// are left unchanged.
func Apply(obj api.Object) {
	switch o := obj.(type) {
	case *corev1.Pod:
		Pod(o)
	case *corev1.Service:
		Service(o)
	case *corev1.ReplicationController:
		ReplicationController(o)
	case *corev1.Namespace:
		Namespace(o)
	case *corev1.Secret:
		if o.Type == "" {
			o.Type = corev1.SecretTypeOpaque
		}
	case *corev1.Endpoints:
		endpoints(o)
	case *corev1.Node:
		node(o)
	case *corev1.PersistentVolume:
		persistentVolume(o)
	case *corev1.PersistentVolumeClaim:
		persistentVolumeClaim(o)
	case *corev1.LimitRange:
		limitRange(o)
	case *appsv1.Deployment:
		Deployment(o)
	case *appsv1.ReplicaSet:
		ReplicaSet(o)
	case *appsv1.DaemonSet:
		DaemonSet(o)
	case *appsv1.StatefulSet:
		StatefulSet(o)
	case *batchv1.Job:
		Job(o)
	case *batchv1.CronJob:
		CronJob(o)
	case *discoveryv1.EndpointSlice:
		endpointSlice(o)
	case *rbacv1.RoleBinding:
		subjects(o.Subjects)
	case *rbacv1.ClusterRoleBinding:
		subjects(o.Subjects)
	}
}

func ptrTo[T any](v T) *T { return &v }

// setIfNil points *p at v when it is nil.
func setIfNil[T any](p **T, v T) {
	if *p == nil {
		*p = &v
	}
}
