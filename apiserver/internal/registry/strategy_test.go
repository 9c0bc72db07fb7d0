package registry

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/api"
)

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

func lookup(t *testing.T, gv, kind string) *api.Info {
	t.Helper()
	i, ok := api.LookupKind(gv, kind)
	if !ok {
		t.Fatalf("no %s %s", gv, kind)
	}
	return i
}

func TestForEveryResource(t *testing.T) {
	for _, info := range api.All() {
		s := For(info)
		obj := info.NewObject()
		s.PrepareForCreate(obj)
		s.PrepareForUpdate(info.NewObject(), obj)
		s.PrepareForStatusUpdate(info.NewObject(), obj)
		_ = s.Validate(obj)
		if got := len(s.TableRow(obj)); got != len(s.TableColumns()) {
			t.Errorf("%s: %d cells for %d columns", info.Resource, got, len(s.TableColumns()))
		}
	}
}

func pod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Generation: 7},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "1.2.3.4"},
	}
}

func TestPrepareForCreate(t *testing.T) {
	s := For(lookup(t, "v1", "Pod"))
	p := pod()
	s.PrepareForCreate(p)
	if p.Status.Phase != corev1.PodPending || p.Status.PodIP != "" || p.Status.QOSClass != corev1.PodQOSBestEffort {
		t.Errorf("pod status = %+v, want Pending BestEffort only", p.Status)
	}
	if p.Generation != 1 || p.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		t.Errorf("generation %d restartPolicy %q", p.Generation, p.Spec.RestartPolicy)
	}
	if errs := s.Validate(p); len(errs) != 0 {
		t.Errorf("defaulted pod invalid: %v", errs)
	}

	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Generation: 0}}
	For(lookup(t, "v1", "ConfigMap")).PrepareForCreate(cm)
	if cm.Generation != 0 {
		t.Errorf("configmap generation = %d, want 0", cm.Generation)
	}

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}}
	For(lookup(t, "v1", "Namespace")).PrepareForCreate(ns)
	if ns.Status.Phase != corev1.NamespaceActive || len(ns.Spec.Finalizers) != 1 || ns.Spec.Finalizers[0] != "kubernetes" {
		t.Errorf("namespace = %+v", ns)
	}

	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Status: corev1.NodeStatus{
		Capacity: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}}}
	For(lookup(t, "v1", "Node")).PrepareForCreate(node)
	if node.Status.Capacity.Cpu().String() != "2" || node.Status.Allocatable.Cpu().String() != "2" {
		t.Errorf("node status not kept on create: %+v", node.Status)
	}
}

func TestPodQOS(t *testing.T) {
	rl := func(cpu, mem string) corev1.ResourceList {
		l := corev1.ResourceList{}
		if cpu != "" {
			l[corev1.ResourceCPU] = resource.MustParse(cpu)
		}
		if mem != "" {
			l[corev1.ResourceMemory] = resource.MustParse(mem)
		}
		return l
	}
	for _, tc := range []struct {
		name           string
		requests, lims corev1.ResourceList
		want           corev1.PodQOSClass
	}{
		{"none", nil, nil, corev1.PodQOSBestEffort},
		{"limits only (requests defaulted)", nil, rl("1", "1Gi"), corev1.PodQOSGuaranteed},
		{"requests below limits", rl("500m", "1Gi"), rl("1", "1Gi"), corev1.PodQOSBurstable},
		{"cpu only", rl("1", ""), nil, corev1.PodQOSBurstable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := pod()
			p.Spec.Containers[0].Resources = corev1.ResourceRequirements{Requests: tc.requests, Limits: tc.lims}
			For(lookup(t, "v1", "Pod")).PrepareForCreate(p)
			if p.Status.QOSClass != tc.want {
				t.Errorf("qos = %s, want %s", p.Status.QOSClass, tc.want)
			}
		})
	}
}

func deployment() *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Generation: 3, Labels: map[string]string{"a": "1"}, ResourceVersion: "5"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx:1"}}}},
		},
		Status: appsv1.DeploymentStatus{Replicas: 2, ObservedGeneration: 3},
	}
}

func TestPrepareForUpdate(t *testing.T) {
	s := For(lookup(t, "apps/v1", "Deployment"))
	old := deployment()
	s.PrepareForCreate(old)
	old.Generation = 3
	old.Status = appsv1.DeploymentStatus{Replicas: 2, ObservedGeneration: 3}

	for _, tc := range []struct {
		name    string
		mutate  func(d *appsv1.Deployment)
		wantGen int64
	}{
		{"no change", func(d *appsv1.Deployment) {}, 3},
		{"label change", func(d *appsv1.Deployment) { d.Labels = map[string]string{"b": "2"} }, 3},
		{"image change", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "nginx:2" }, 4},
		{"annotation change", func(d *appsv1.Deployment) { d.Annotations = map[string]string{"x": "y"} }, 4},
		{"client sets generation", func(d *appsv1.Deployment) { d.Generation = 100 }, 3},
		{"client sets status", func(d *appsv1.Deployment) { d.Status.Replicas = 9 }, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := deployment()
			tc.mutate(obj)
			s.PrepareForUpdate(obj, old)
			if obj.Generation != tc.wantGen {
				t.Errorf("generation = %d, want %d", obj.Generation, tc.wantGen)
			}
			if obj.Status.Replicas != 2 {
				t.Errorf("status not kept: %+v", obj.Status)
			}
			if errs := s.ValidateUpdate(obj, old); len(errs) != 0 {
				t.Errorf("ValidateUpdate: %v", errs)
			}
		})
	}
}

func TestPrepareForStatusUpdate(t *testing.T) {
	s := For(lookup(t, "apps/v1", "Deployment"))
	old := deployment()
	s.PrepareForCreate(old)
	obj := old.DeepCopy()
	obj.Spec.Template.Spec.Containers[0].Image = "evil"
	obj.Labels = map[string]string{"evil": "1"}
	obj.Generation = 42
	obj.Status = appsv1.DeploymentStatus{Replicas: 5, ReadyReplicas: 5}
	s.PrepareForStatusUpdate(obj, old)
	if obj.Spec.Template.Spec.Containers[0].Image != "nginx:1" || obj.Labels["a"] != "1" || obj.Generation != old.Generation {
		t.Errorf("status update changed more than status: %+v", obj)
	}
	if obj.Status.ReadyReplicas != 5 {
		t.Errorf("status not taken: %+v", obj.Status)
	}

	// old must not share memory with obj afterwards.
	obj.Spec.Template.Spec.Containers[0].Image = "changed"
	if old.Spec.Template.Spec.Containers[0].Image != "nginx:1" {
		t.Error("PrepareForStatusUpdate aliased old's spec")
	}

	ps := For(lookup(t, "v1", "Pod"))
	op := pod()
	ps.PrepareForCreate(op)
	np := op.DeepCopy()
	np.Spec.NodeName = "n1"
	np.Status.Phase = corev1.PodRunning
	np.OwnerReferences = []metav1.OwnerReference{{Name: "x"}}
	ps.PrepareForStatusUpdate(np, op)
	if np.Spec.NodeName != "" || np.Status.Phase != corev1.PodRunning || np.OwnerReferences != nil {
		t.Errorf("pod status update: nodeName %q phase %q owners %v", np.Spec.NodeName, np.Status.Phase, np.OwnerReferences)
	}
}

func TestServiceUpdateKeepsAllocations(t *testing.T) {
	s := For(lookup(t, "v1", "Service"))
	old := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", ResourceVersion: "2"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, ClusterIP: "10.96.0.10",
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, NodePort: 30080}}}}
	s.PrepareForCreate(old)
	obj := &corev1.Service{ObjectMeta: old.ObjectMeta, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort,
		Ports: []corev1.ServicePort{{Name: "http", Port: 80}}}}
	s.PrepareForUpdate(obj, old)
	if obj.Spec.ClusterIP != "10.96.0.10" || obj.Spec.ClusterIPs[0] != "10.96.0.10" || obj.Spec.Ports[0].NodePort != 30080 {
		t.Errorf("allocations not kept: %+v", obj.Spec)
	}
	if errs := s.ValidateUpdate(obj, old); len(errs) != 0 {
		t.Errorf("ValidateUpdate: %v", errs)
	}
}

func TestJobSelectorGenerated(t *testing.T) {
	s := For(lookup(t, "batch/v1", "Job"))
	j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "pi", Namespace: "default", UID: "u-1"},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "pi", Image: "perl"}}}}}}
	s.PrepareForCreate(j)
	if errs := s.Validate(j); len(errs) != 0 {
		t.Fatalf("Validate: %v", errs)
	}
	if j.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel] != "u-1" || j.Spec.Template.Labels["job-name"] != "pi" {
		t.Errorf("selector %v labels %v", j.Spec.Selector, j.Spec.Template.Labels)
	}
}

func TestTableAgeUsesClock(t *testing.T) {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	s := New(lookup(t, "v1", "ConfigMap"), Options{Clock: fixedClock(now)})
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", CreationTimestamp: metav1.NewTime(now.Add(-26 * time.Hour))},
		Data: map[string]string{"a": "b"}}
	got := s.TableRow(cm)
	if got[0] != "c" || got[1] != int64(1) || got[2] != "26h" {
		t.Errorf("row = %v", got)
	}
}
