package compat

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func containerImages(d *appsv1.Deployment) map[string]string {
	m := map[string]string{}
	for _, c := range d.Spec.Template.Spec.Containers {
		m[c.Name] = c.Image
	}
	return m
}

func TestDeploymentPatches(t *testing.T) {
	_, cs := start(t)
	deploys := cs.AppsV1().Deployments(ns)
	d, err := deploys.Create(t.Context(), newDeployment("patched"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if d.Generation != 1 {
		t.Errorf("generation after create = %d, want 1", d.Generation)
	}
	smp := `{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.28"}]}}}}`
	d, err = deploys.Patch(t.Context(), "patched", types.StrategicMergePatchType, []byte(smp), metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("strategic merge patch: %v", err)
	}
	if got := containerImages(d); len(got) != 2 || got["app"] != "nginx:1.28" || got["sidecar"] != "busybox:1.36" {
		t.Fatalf("after strategic merge patch: containers %v, want app=nginx:1.28 and sidecar kept", got)
	}
	if d.Generation != 2 {
		t.Errorf("generation after spec patch = %d, want 2", d.Generation)
	}
	del := `{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}`
	d, err = deploys.Patch(t.Context(), "patched", types.StrategicMergePatchType, []byte(del), metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("strategic merge patch with $patch: delete: %v", err)
	}
	if got := containerImages(d); len(got) != 1 || got["app"] != "nginx:1.28" {
		t.Fatalf("after $patch delete: containers %v, want only app", got)
	}
	merge := `{"metadata":{"labels":{"team":"a"}}}`
	d, err = deploys.Patch(t.Context(), "patched", types.MergePatchType, []byte(merge), metav1.PatchOptions{})
	if err != nil || d.Labels["team"] != "a" {
		t.Fatalf("merge patch: labels %v, err %v", d.Labels, err)
	}
	if d.Generation != 3 {
		t.Errorf("generation after metadata-only patch = %d, want 3", d.Generation)
	}
	jp := `[{"op":"replace","path":"/spec/replicas","value":5}]`
	d, err = deploys.Patch(t.Context(), "patched", types.JSONPatchType, []byte(jp), metav1.PatchOptions{})
	if err != nil || d.Spec.Replicas == nil || *d.Spec.Replicas != 5 {
		t.Fatalf("json patch: replicas %v, err %v", d.Spec.Replicas, err)
	}
}

func TestStatusSubresource(t *testing.T) {
	_, cs := start(t)
	pods := cs.CoreV1().Pods(ns)
	createPods(t, cs, newPod("st", nil))
	p, err := pods.Get(t.Context(), "st", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Status.Phase = corev1.PodRunning
	p.Status.PodIP = "10.244.0.7"
	p.Spec.Containers[0].Image = "ignored:by-status"
	p, err = pods.UpdateStatus(t.Context(), p, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update status: %v", err)
	}
	if p.Status.Phase != corev1.PodRunning || p.Status.PodIP != "10.244.0.7" {
		t.Fatalf("after status update: status %+v", p.Status)
	}
	if img := p.Spec.Containers[0].Image; img != "nginx:1.27" {
		t.Fatalf("status update changed spec: image %q", img)
	}
	p.Status.Phase = corev1.PodFailed
	p.Labels = map[string]string{"spec": "update"}
	p, err = pods.Update(t.Context(), p, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if p.Status.Phase != corev1.PodRunning || p.Labels["spec"] != "update" {
		t.Fatalf("main update: phase %q labels %v, want status untouched and labels changed", p.Status.Phase, p.Labels)
	}

	deploys := cs.AppsV1().Deployments(ns)
	d, err := deploys.Create(t.Context(), newDeployment("st"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d.Status.ObservedGeneration = d.Generation
	d.Status.Replicas = 2
	d, err = deploys.UpdateStatus(t.Context(), d, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("deployment update status: %v", err)
	}
	if d.Status.Replicas != 2 || d.Generation != 1 {
		t.Fatalf("deployment after status update: replicas %d generation %d, want 2 and 1", d.Status.Replicas, d.Generation)
	}
}
