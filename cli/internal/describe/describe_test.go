package describe

import (
	"bytes"
	"regexp"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func match(t *testing.T, out string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		if !regexp.MustCompile(p).MatchString(out) {
			t.Errorf("output lacks %q:\n%s", p, out)
		}
	}
}

func TestPodWithEvents(t *testing.T) {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "hack", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{NodeName: "node1", Containers: []corev1.Container{{
			Name: "web", Image: "nginx", Ports: []corev1.ContainerPort{{ContainerPort: 80, Protocol: "TCP"}},
			Env: []corev1.EnvVar{{Name: "MODE", Value: "fast"}},
		}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.244.1.5", HostIP: "10.0.0.1", QOSClass: corev1.PodQOSBestEffort},
	}
	evs := []corev1.Event{{Type: "Normal", Reason: "Scheduled", Message: "Successfully assigned hack/web to node1",
		Source: corev1.EventSource{Component: "default-scheduler"}, LastTimestamp: metav1.NewTime(now.Add(-90 * time.Second)), Count: 1}}
	var buf bytes.Buffer
	if err := Pod(&buf, now, p, evs); err != nil {
		t.Fatal(err)
	}
	match(t, buf.String(), `(?m)^Name:\s+web$`, `(?m)^Namespace:\s+hack$`, `(?m)^Node:\s+node1/10.0.0.1$`,
		`(?m)^Labels:\s+app=web$`, `(?m)^IP:\s+10.244.1.5$`, `(?m)^    Port:\s+80/TCP$`, `(?m)^      MODE:\s+fast$`,
		`(?m)^QoS Class:\s+BestEffort$`, `(?m)^  Type\s+Reason\s+Age\s+From\s+Message$`,
		`(?m)^  Normal\s+Scheduled\s+90s\s+default-scheduler\s+Successfully assigned hack/web to node1$`)
}

func TestNodeAllocatedResources(t *testing.T) {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node1", Labels: map[string]string{"node-role.kubernetes.io/control-plane": ""}}}
	n.Status.Allocatable = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("4Gi")}
	pod := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"}}
	pod.Spec.Containers = []corev1.Container{{Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("1Gi")}}}}
	var buf bytes.Buffer
	if err := Node(&buf, now, n, []corev1.Pod{pod}, nil); err != nil {
		t.Fatal(err)
	}
	match(t, buf.String(), `(?m)^Roles:\s+control-plane$`, `(?m)^Non-terminated Pods:\s+\(1 in total\)$`,
		`(?m)^  cpu\s+500m \(25%\)$`, `(?m)^  memory\s+1Gi \(25%\)$`, `(?m)^Events:\s+<none>$`)
}

func TestServiceWithEndpoints(t *testing.T) {
	s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "hello", Namespace: "hack"}, Spec: corev1.ServiceSpec{
		Type: corev1.ServiceTypeClusterIP, ClusterIP: "10.96.0.20", Selector: map[string]string{"name": "hello"},
		Ports: []corev1.ServicePort{{Port: 27017, TargetPort: intstr.FromInt32(8080), Protocol: "TCP"}},
	}}
	ep := &corev1.Endpoints{Subsets: []corev1.EndpointSubset{{
		Addresses: []corev1.EndpointAddress{{IP: "10.244.0.5"}, {IP: "10.244.1.7"}},
		Ports:     []corev1.EndpointPort{{Port: 8080}},
	}}}
	var buf bytes.Buffer
	if err := Service(&buf, now, s, ep, nil); err != nil {
		t.Fatal(err)
	}
	match(t, buf.String(), `(?m)^Selector:\s+name=hello$`, `(?m)^IP:\s+10.96.0.20$`,
		`(?m)^TargetPort:\s+8080/TCP$`, `(?m)^Endpoints:\s+10.244.0.5:8080,10.244.1.7:8080$`)
}

func TestDeploymentRolloutState(t *testing.T) {
	three := int32(3)
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: appsv1.DeploymentSpec{
		Replicas: &three, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType},
	}, Status: appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 2, AvailableReplicas: 2, UnavailableReplicas: 1}}
	newRS := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-abc"}, Spec: appsv1.ReplicaSetSpec{Replicas: &three}, Status: appsv1.ReplicaSetStatus{Replicas: 2}}
	var buf bytes.Buffer
	if err := Deployment(&buf, now, d, newRS, nil, nil); err != nil {
		t.Fatal(err)
	}
	match(t, buf.String(), `(?m)^Replicas:\s+3 desired \| 2 updated \| 3 total \| 2 available \| 1 unavailable$`,
		`(?m)^NewReplicaSet:\s+web-abc \(2/3 replicas created\)$`, `(?m)^OldReplicaSets:\s+<none>$`)
}
