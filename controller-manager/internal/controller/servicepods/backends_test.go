package servicepods

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func pod(name, ip string, ready, terminating bool) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Ports: []corev1.ContainerPort{
			{Name: "web", ContainerPort: 8080}, {Name: "dns", ContainerPort: 5353, Protocol: corev1.ProtocolUDP},
		}}}},
		Status: corev1.PodStatus{PodIP: ip, Phase: corev1.PodRunning},
	}
	if ready {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	}
	if terminating {
		now := metav1.Now()
		p.DeletionTimestamp = &now
	}
	return p
}

func service(publish bool, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"},
		Spec:       corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: ports, PublishNotReadyAddresses: publish},
	}
}

func TestBackendsConditions(t *testing.T) {
	byName := corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("web")}
	pods := []*corev1.Pod{
		pod("ready", "10.0.0.1", true, false),
		pod("notready", "10.0.0.2", false, false),
		pod("terminating", "10.0.0.3", true, true),
		pod("noip", "", true, false),
	}
	type cond struct{ ready, serving, term bool }
	cases := []struct {
		publish bool
		want    map[string]cond
	}{
		{false, map[string]cond{"ready": {true, true, false}, "notready": {false, false, false}}},
		{true, map[string]cond{"ready": {true, true, false}, "notready": {true, true, false}, "terminating": {true, true, true}}},
	}
	for _, c := range cases {
		got := Backends(service(c.publish, byName), pods)
		if len(got) != len(c.want) {
			t.Fatalf("publish=%v: %d backends, want %d", c.publish, len(got), len(c.want))
		}
		for _, b := range got {
			w, ok := c.want[b.Pod.Name]
			if !ok || (cond{b.Ready, b.Serving, b.Terminating}) != w {
				t.Errorf("publish=%v: backend %s = %+v, want %+v (listed %v)", c.publish, b.Pod.Name, b, w, ok)
			}
			if len(b.Ports) != 1 || b.Ports[0].Port != 8080 || b.Ports[0].Protocol != corev1.ProtocolTCP {
				t.Errorf("backend %s ports = %+v, want http 8080/TCP", b.Pod.Name, b.Ports)
			}
		}
	}
}

func TestBackendsSkipsUnresolvedPorts(t *testing.T) {
	missing := corev1.ServicePort{Name: "x", Port: 80, TargetPort: intstr.FromString("nope")}
	if got := Backends(service(false, missing), []*corev1.Pod{pod("a", "10.0.0.1", true, false)}); len(got) != 0 {
		t.Errorf("pod without the named port backs the service: %+v", got)
	}
	if got := Backends(service(false), []*corev1.Pod{pod("a", "10.0.0.1", true, false)}); len(got) != 1 || got[0].Ports != nil {
		t.Errorf("a portless service takes every eligible pod without ports, got %+v", got)
	}
}

func TestResolvePort(t *testing.T) {
	p := pod("a", "10.0.0.1", true, false)
	cases := []struct {
		sp   corev1.ServicePort
		want int32
		ok   bool
	}{
		{corev1.ServicePort{Port: 80}, 80, true},
		{corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(9090)}, 9090, true},
		{corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("web")}, 8080, true},
		{corev1.ServicePort{Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromString("dns")}, 5353, true},
		{corev1.ServicePort{Port: 53, TargetPort: intstr.FromString("dns")}, 0, false}, // dns is UDP, the service port TCP
	}
	for _, c := range cases {
		if got, ok := ResolvePort(c.sp, p); got != c.want || ok != c.ok {
			t.Errorf("ResolvePort(%+v) = %d, %v; want %d, %v", c.sp, got, ok, c.want, c.ok)
		}
	}
}

func TestHostnameAndSelects(t *testing.T) {
	svc, p := service(false), pod("a", "10.0.0.1", true, false)
	p.Spec.Hostname, p.Spec.Subdomain = "a-0", "web"
	if got := Hostname(svc, p); got != "a-0" {
		t.Errorf("Hostname = %q, want a-0", got)
	}
	p.Namespace = "other"
	if got := Hostname(svc, p); got != "" {
		t.Errorf("Hostname = %q for a pod of another namespace, want empty", got)
	}
	if !Selects(svc, p) {
		t.Error("Selects = false for matching labels")
	}
	svc.Spec.Selector = nil
	if Selects(svc, p) {
		t.Error("a service without selector selects nothing")
	}
}

func TestPortsKey(t *testing.T) {
	a := []corev1.EndpointPort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}}
	b := []corev1.EndpointPort{{Name: "http", Port: 81, Protocol: corev1.ProtocolTCP}}
	if PortsKey(a) == PortsKey(b) || PortsKey(a) != PortsKey(append([]corev1.EndpointPort(nil), a...)) {
		t.Errorf("PortsKey does not identify port lists: %q %q", PortsKey(a), PortsKey(b))
	}
}
