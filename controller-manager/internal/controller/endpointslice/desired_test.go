package endpointslice

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func testService() *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "svc-uid", Labels: map[string]string{"team": "a"}},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"},
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("web")}}},
	}
}

func testPod(i int, ready bool, ip string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%03d", i), Namespace: "ns"},
		Spec:       corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Ports: []corev1.ContainerPort{{Name: "web", ContainerPort: 8080}}}}},
		Status:     corev1.PodStatus{PodIP: ip, Phase: corev1.PodRunning},
	}
	if ready {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	}
	return p
}

func TestDesiredSlicesChunksAndConditions(t *testing.T) {
	var pods []*corev1.Pod
	for i := 0; i < 250; i++ {
		pods = append(pods, testPod(i, i%2 == 0, fmt.Sprintf("10.0.%d.%d", i/200, i%200+1)))
	}
	pods = append(pods, testPod(999, true, "fd00::1"))
	got := DesiredSlices(testService(), pods, MaxEndpointsPerSlice)
	var sizes []int
	for _, d := range got {
		sizes = append(sizes, len(d.Endpoints))
		if *d.Ports[0].Port != 8080 || *d.Ports[0].Name != "http" {
			t.Errorf("port = %v/%v, want http/8080", *d.Ports[0].Name, *d.Ports[0].Port)
		}
	}
	if fmt.Sprint(sizes) != "[100 100 50 1]" {
		t.Fatalf("slice sizes = %v, want [100 100 50 1] (IPv4 chunks then IPv6)", sizes)
	}
	if got[3].AddressType != discoveryv1.AddressTypeIPv6 {
		t.Errorf("last slice type = %s, want IPv6", got[3].AddressType)
	}
	readyCount := 0
	for _, d := range got[:3] {
		for _, ep := range d.Endpoints {
			if *ep.Conditions.Ready {
				readyCount++
			}
		}
	}
	if readyCount != 125 {
		t.Errorf("ready endpoints = %d, want 125", readyCount)
	}
}

func TestDesiredSlicesPlaceholder(t *testing.T) {
	got := DesiredSlices(testService(), []*corev1.Pod{testPod(1, true, "")}, 100)
	if len(got) != 1 || len(got[0].Endpoints) != 0 || got[0].AddressType != discoveryv1.AddressTypeIPv4 {
		t.Fatalf("want one empty IPv4 slice, got %+v", got)
	}
}

func TestMakePlan(t *testing.T) {
	svc := testService()
	pods := []*corev1.Pod{testPod(1, true, "10.0.0.1"), testPod(2, true, "10.0.0.2")}
	desired := DesiredSlices(svc, pods, 1)
	first := MakePlan(svc, nil, desired)
	if len(first.Create) != 2 || len(first.Update)+len(first.Delete) != 0 {
		t.Fatalf("first plan = %d/%d/%d, want 2 creates", len(first.Create), len(first.Update), len(first.Delete))
	}
	s := first.Create[0]
	if s.Labels[ServiceNameLabel] != "web" || s.Labels[ManagedByLabel] != ControllerName || s.Labels["team"] != "a" {
		t.Errorf("labels = %v", s.Labels)
	}
	if ref := metav1.GetControllerOf(s); ref == nil || ref.UID != "svc-uid" || ref.Kind != "Service" {
		t.Errorf("owner = %+v", s.OwnerReferences)
	}
	existing := []*discoveryv1.EndpointSlice{named(first.Create[0], "web-a"), named(first.Create[1], "web-b")}
	if p := MakePlan(svc, existing, desired); !p.Empty() {
		t.Fatalf("steady state plan not empty: %+v", p)
	}
	// One pod goes: one slice is rewritten, the other deleted.
	p := MakePlan(svc, existing, DesiredSlices(svc, pods[1:], 1))
	if len(p.Update) != 1 || len(p.Delete) != 1 || len(p.Create) != 0 || p.Update[0].Name != "web-a" || p.Delete[0].Name != "web-b" {
		t.Fatalf("plan after removal = %+v", p)
	}
}

func named(s *discoveryv1.EndpointSlice, name string) *discoveryv1.EndpointSlice {
	s = s.DeepCopy()
	s.Name, s.GenerateName = name, ""
	return s
}
