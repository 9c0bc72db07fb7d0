package deployment

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

// ReplicaSetControl is the I/O the controller does on ReplicaSets.
type ReplicaSetControl interface {
	CreateReplicaSet(ctx context.Context, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error)
	// UpdateReplicaSet replaces rs (spec.replicas, annotations, owners).
	UpdateReplicaSet(ctx context.Context, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error)
	DeleteReplicaSet(ctx context.Context, namespace, name string) error
}

// DeploymentControl writes Deployments.
type DeploymentControl interface {
	UpdateDeployment(ctx context.Context, d *appsv1.Deployment) (*appsv1.Deployment, error)
	UpdateDeploymentStatus(ctx context.Context, d *appsv1.Deployment) (*appsv1.Deployment, error)
}

// APIControl does the controller's I/O through the apiserver.
type APIControl struct{ Client *client.Client }

// CreateReplicaSet creates rs.
func (a APIControl) CreateReplicaSet(ctx context.Context, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error) {
	return client.ReplicaSets(a.Client, rs.Namespace).Create(ctx, rs, metav1.CreateOptions{})
}

// UpdateReplicaSet replaces rs.
func (a APIControl) UpdateReplicaSet(ctx context.Context, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error) {
	return client.ReplicaSets(a.Client, rs.Namespace).Update(ctx, rs, metav1.UpdateOptions{})
}

// DeleteReplicaSet deletes a ReplicaSet (and, by garbage collection, its pods).
func (a APIControl) DeleteReplicaSet(ctx context.Context, namespace, name string) error {
	bg := metav1.DeletePropagationBackground
	return client.ReplicaSets(a.Client, namespace).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &bg})
}

// UpdateDeployment replaces d (used for its revision annotation).
func (a APIControl) UpdateDeployment(ctx context.Context, d *appsv1.Deployment) (*appsv1.Deployment, error) {
	return client.Deployments(a.Client, d.Namespace).Update(ctx, d, metav1.UpdateOptions{})
}

// UpdateDeploymentStatus writes d's status subresource.
func (a APIControl) UpdateDeploymentStatus(ctx context.Context, d *appsv1.Deployment) (*appsv1.Deployment, error) {
	return client.Deployments(a.Client, d.Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{})
}
