package pods

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

type fakeServices map[string][]*corev1.Service

func (f fakeServices) ServicesIn(ns string) []*corev1.Service { return f[ns] }

func svc(ns, name, ip string, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: corev1.ServiceSpec{ClusterIP: ip, Ports: ports}}
}

func TestServiceEnv(t *testing.T) {
	lister := fakeServices{
		"default": {svc("default", "kubernetes", "10.96.0.1", corev1.ServicePort{Name: "https", Port: 443, Protocol: corev1.ProtocolTCP})},
		"web": {
			svc("web", "hello-openshift", "10.96.0.20", corev1.ServicePort{Port: 27017}),
			svc("web", "dns", "10.96.0.10", corev1.ServicePort{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP}, corev1.ServicePort{Name: "dns-tcp", Port: 53}),
			svc("web", "headless", "None", corev1.ServicePort{Port: 80}),
		},
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "web"}}
	env := serviceEnv(pod, lister)
	want := map[string]string{
		"HELLO_OPENSHIFT_SERVICE_HOST":         "10.96.0.20",
		"HELLO_OPENSHIFT_SERVICE_PORT":         "27017",
		"HELLO_OPENSHIFT_PORT":                 "tcp://10.96.0.20:27017",
		"HELLO_OPENSHIFT_PORT_27017_TCP":       "tcp://10.96.0.20:27017",
		"HELLO_OPENSHIFT_PORT_27017_TCP_PROTO": "tcp",
		"HELLO_OPENSHIFT_PORT_27017_TCP_PORT":  "27017",
		"HELLO_OPENSHIFT_PORT_27017_TCP_ADDR":  "10.96.0.20",
		"DNS_SERVICE_PORT_DNS":                 "53",
		"DNS_SERVICE_PORT_DNS_TCP":             "53",
		"DNS_PORT":                             "udp://10.96.0.10:53",
		"DNS_PORT_53_UDP_PROTO":                "udp",
		"DNS_PORT_53_TCP_ADDR":                 "10.96.0.10",
		"KUBERNETES_SERVICE_HOST":              "10.96.0.1",
		"KUBERNETES_SERVICE_PORT_HTTPS":        "443",
		"KUBERNETES_PORT_443_TCP":              "tcp://10.96.0.1:443",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if _, ok := env["HEADLESS_SERVICE_HOST"]; ok {
		t.Error("headless service got env vars")
	}
	off := false
	pod.Spec.EnableServiceLinks = &off
	env = serviceEnv(pod, lister)
	if _, ok := env["HELLO_OPENSHIFT_SERVICE_HOST"]; ok || env["KUBERNETES_SERVICE_HOST"] != "10.96.0.1" {
		t.Errorf("enableServiceLinks=false: %v", env)
	}
}

func TestContainerEnvServiceLinks(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "web"}}
	in := envInput{pod: pod, services: map[string]string{"A_SERVICE_HOST": "10.0.0.1", "B_SERVICE_HOST": "10.0.0.2"}}
	c := &corev1.Container{Env: []corev1.EnvVar{{Name: "URL", Value: "http://$(A_SERVICE_HOST)/"}, {Name: "B_SERVICE_HOST", Value: "mine"}}}
	got, err := containerEnv(context.Background(), in, c)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"URL=http://10.0.0.1/", "B_SERVICE_HOST=mine", "A_SERVICE_HOST=10.0.0.1"}
	if !slices.Equal(got, want) {
		t.Errorf("env = %v, want %v", got, want)
	}
}
