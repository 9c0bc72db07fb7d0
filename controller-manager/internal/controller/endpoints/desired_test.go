package endpoints

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

type podOpt func(*corev1.Pod)

func ready(p *corev1.Pod) {
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
}
func withPort(name string, n int32) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, corev1.ContainerPort{Name: name, ContainerPort: n})
	}
}
func terminating(p *corev1.Pod) { now := metav1.Now(); p.DeletionTimestamp = &now }

func pod(name, ip string, opts ...podOpt) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: "uid-" + types.UID(name)},
		Spec:       corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "c"}}},
		Status:     corev1.PodStatus{PodIP: ip, Phase: corev1.PodRunning},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func svc(publish bool, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"},
		Spec:       corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: ports, PublishNotReadyAddresses: publish},
	}
}

func addr(name, ip string) corev1.EndpointAddress {
	n := "n1"
	return corev1.EndpointAddress{IP: ip, NodeName: &n, TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: "ns", Name: name, UID: "uid-" + types.UID(name)}}
}

func TestDesiredSubsets(t *testing.T) {
	byNum := corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)}
	byName := corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("web")}
	tcp := corev1.ProtocolTCP
	tests := []struct {
		name string
		svc  *corev1.Service
		pods []*corev1.Pod
		want []corev1.EndpointSubset
	}{
		{"no pods", svc(false, byNum), nil, nil},
		{"ready and not ready", svc(false, byNum),
			[]*corev1.Pod{pod("b", "10.0.0.2", ready), pod("a", "10.0.0.1", ready), pod("c", "10.0.0.3")},
			[]corev1.EndpointSubset{{
				Addresses:         []corev1.EndpointAddress{addr("a", "10.0.0.1"), addr("b", "10.0.0.2")},
				NotReadyAddresses: []corev1.EndpointAddress{addr("c", "10.0.0.3")},
				Ports:             []corev1.EndpointPort{{Name: "http", Port: 8080, Protocol: tcp}},
			}}},
		{"publishNotReadyAddresses", svc(true, byNum),
			[]*corev1.Pod{pod("c", "10.0.0.3"), pod("d", "10.0.0.4", terminating)},
			[]corev1.EndpointSubset{{
				Addresses: []corev1.EndpointAddress{addr("c", "10.0.0.3"), addr("d", "10.0.0.4")},
				Ports:     []corev1.EndpointPort{{Name: "http", Port: 8080, Protocol: tcp}},
			}}},
		{"terminating, unscheduled and finished pods skipped", svc(false, byNum),
			[]*corev1.Pod{pod("d", "10.0.0.4", ready, terminating), pod("e", ""), pod("f", "10.0.0.6", func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded })},
			nil},
		{"named port resolved per pod", svc(false, byName),
			[]*corev1.Pod{pod("a", "10.0.0.1", ready, withPort("web", 8080)), pod("b", "10.0.0.2", ready, withPort("web", 9090)), pod("c", "10.0.0.3", ready)},
			[]corev1.EndpointSubset{
				{Addresses: []corev1.EndpointAddress{addr("a", "10.0.0.1")}, Ports: []corev1.EndpointPort{{Name: "http", Port: 8080, Protocol: tcp}}},
				{Addresses: []corev1.EndpointAddress{addr("b", "10.0.0.2")}, Ports: []corev1.EndpointPort{{Name: "http", Port: 9090, Protocol: tcp}}},
			}},
		{"unset targetPort is the service port", svc(false, corev1.ServicePort{Port: 53, Protocol: corev1.ProtocolUDP}),
			[]*corev1.Pod{pod("a", "10.0.0.1", ready)},
			[]corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{addr("a", "10.0.0.1")}, Ports: []corev1.EndpointPort{{Port: 53, Protocol: corev1.ProtocolUDP}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DesiredSubsets(tt.svc, tt.pods)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DesiredSubsets:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestAddressHostname(t *testing.T) {
	p := pod("a", "10.0.0.1", func(p *corev1.Pod) { p.Spec.Hostname, p.Spec.Subdomain = "a-0", "web" })
	if got := Address(svc(false), p).Hostname; got != "a-0" {
		t.Errorf("hostname = %q, want a-0", got)
	}
	p.Spec.Subdomain = "other"
	if got := Address(svc(false), p).Hostname; got != "" {
		t.Errorf("hostname = %q for another subdomain, want empty", got)
	}
}
