package compat

import (
	"context"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// object is what every typed client-go object pointer satisfies.
type object interface {
	metav1.Object
	runtime.Object
}

// crudClient is the method set shared by client-go's typed clients.
type crudClient[T object, L any] interface {
	Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error)
	Update(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
	List(ctx context.Context, opts metav1.ListOptions) (L, error)
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
}

// crudCase drives one resource through create/get/list/update/conflict/delete.
type crudCase[T object, L any] struct {
	client crudClient[T, L]
	obj    T
	names  func(L) []string
}

func (c crudCase[T, L]) run(t *testing.T) {
	ctx := t.Context()
	name := c.obj.GetName()
	created, err := c.client.Create(ctx, c.obj.DeepCopyObject().(T), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	if created.GetUID() == "" || created.GetResourceVersion() == "" || created.GetCreationTimestamp().Time.IsZero() {
		t.Fatalf("create: want uid, resourceVersion and creationTimestamp set, got uid=%q rv=%q ts=%v",
			created.GetUID(), created.GetResourceVersion(), created.GetCreationTimestamp())
	}
	got, err := c.client.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.GetResourceVersion() != created.GetResourceVersion() || got.GetUID() != created.GetUID() {
		t.Fatalf("get: rv/uid %s/%s, want %s/%s", got.GetResourceVersion(), got.GetUID(),
			created.GetResourceVersion(), created.GetUID())
	}
	list, err := c.client.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if names := c.names(list); !slices.Contains(names, name) {
		t.Fatalf("list: %v does not contain %s", names, name)
	}
	c.update(t, got)
	if _, err := c.client.Create(ctx, c.obj.DeepCopyObject().(T), metav1.CreateOptions{}); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("second create: want AlreadyExists (409), got %v", err)
	}
	if err := c.client.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := c.client.Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("get after delete: want NotFound, got %v", err)
	}
	if err := c.client.Delete(ctx, name, metav1.DeleteOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("second delete: want NotFound, got %v", err)
	}
}

// update changes a label, then retries the same change from the stale copy
// and expects a 409 Conflict.
func (c crudCase[T, L]) update(t *testing.T, got T) {
	ctx := t.Context()
	stale := got.DeepCopyObject().(T)
	got.SetLabels(map[string]string{"updated": "yes"})
	updated, err := c.client.Update(ctx, got, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if updated.GetResourceVersion() == stale.GetResourceVersion() {
		t.Fatalf("update: resourceVersion did not change (%s)", updated.GetResourceVersion())
	}
	if updated.GetLabels()["updated"] != "yes" {
		t.Fatalf("update: labels %v, want updated=yes", updated.GetLabels())
	}
	stale.SetLabels(map[string]string{"updated": "stale"})
	_, err = c.client.Update(ctx, stale, metav1.UpdateOptions{})
	if !apierrors.IsConflict(err) {
		t.Fatalf("update with stale resourceVersion: want Conflict (409), got %v", err)
	}
	again, err := c.client.Get(ctx, got.GetName(), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get after conflict: %v", err)
	}
	if again.GetLabels()["updated"] != "yes" {
		t.Fatalf("conflicting update changed the object: labels %v", again.GetLabels())
	}
}

func TestCRUD(t *testing.T) {
	_, cs := start(t)
	t.Run("pods", crudCase[*corev1.Pod, *corev1.PodList]{
		client: cs.CoreV1().Pods(ns), obj: newPod("crud-pod", nil), names: podNames,
	}.run)
	t.Run("services", crudCase[*corev1.Service, *corev1.ServiceList]{
		client: cs.CoreV1().Services(ns), obj: newService("crud-svc"), names: serviceNames,
	}.run)
	t.Run("deployments", crudCase[*appsv1.Deployment, *appsv1.DeploymentList]{
		client: cs.AppsV1().Deployments(ns), obj: newDeployment("crud-deploy"), names: deploymentNames,
	}.run)
}

func TestGenerateName(t *testing.T) {
	_, cs := start(t)
	pod := newPod("", nil)
	pod.GenerateName = "gen-"
	a, err := cs.CoreV1().Pods(ns).Create(t.Context(), pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create with generateName: %v", err)
	}
	b, err := cs.CoreV1().Pods(ns).Create(t.Context(), pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("second create with generateName: %v", err)
	}
	if len(a.Name) <= len("gen-") || a.Name[:4] != "gen-" || a.Name == b.Name {
		t.Fatalf("generated names %q and %q: want distinct names prefixed gen-", a.Name, b.Name)
	}
}

func TestServiceClusterIP(t *testing.T) {
	_, cs := start(t)
	svc, err := cs.CoreV1().Services(ns).Create(t.Context(), newService("ip"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create service: %v", err)
	}
	if svc.Spec.ClusterIP == "" && svc.Spec.Type == corev1.ServiceTypeClusterIP {
		t.Skip("no ClusterIP allocated: allocator not implemented yet (DESIGN: internal/alloc)")
	}
	if svc.Spec.ClusterIP == "" || svc.Spec.Type != corev1.ServiceTypeClusterIP {
		t.Fatalf("service: clusterIP %q type %q, want an allocated IP and type ClusterIP",
			svc.Spec.ClusterIP, svc.Spec.Type)
	}
	k, err := cs.CoreV1().Services(ns).Get(t.Context(), "kubernetes", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("default service kubernetes: %v", err)
	}
	if k.Spec.ClusterIP == svc.Spec.ClusterIP {
		t.Fatalf("service ip %s handed out twice", svc.Spec.ClusterIP)
	}
}
