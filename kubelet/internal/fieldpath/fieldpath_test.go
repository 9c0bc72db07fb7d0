package fieldpath

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestField(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1", Labels: map[string]string{"app": "web", "b": "x y"}, Annotations: map[string]string{"a": "1"}},
		Spec:       corev1.PodSpec{NodeName: "n1", ServiceAccountName: "sa"},
	}
	ips := IPs{PodIP: "10.244.0.5", HostIP: "192.168.1.2"}
	cases := map[string]string{
		"metadata.name": "p", "metadata.namespace": "ns", "metadata.uid": "u1",
		"metadata.labels['app']": "web", "metadata.labels['nope']": "", "metadata.annotations['a']": "1",
		"metadata.labels": "app=\"web\"\nb=\"x y\"", "spec.nodeName": "n1", "spec.serviceAccountName": "sa",
		"status.podIP": "10.244.0.5", "status.hostIP": "192.168.1.2",
	}
	for path, want := range cases {
		got, err := Field(pod, path, ips)
		if err != nil || got != want {
			t.Errorf("Field(%q) = %q, %v; want %q", path, got, err, want)
		}
	}
	for _, bad := range []string{"spec.containers", "metadata.labels['x", ""} {
		if _, err := Field(pod, bad, ips); err == nil {
			t.Errorf("Field(%q): want an error", bad)
		}
	}
}

func TestResource(t *testing.T) {
	c := corev1.Container{Name: "c", Resources: corev1.ResourceRequirements{
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m")},
	}}
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{c}}}
	cases := []struct {
		ref  corev1.ResourceFieldSelector
		want string
	}{
		{corev1.ResourceFieldSelector{ContainerName: "c", Resource: "limits.cpu"}, "1"},
		{corev1.ResourceFieldSelector{ContainerName: "c", Resource: "limits.cpu", Divisor: resource.MustParse("1m")}, "500"},
		{corev1.ResourceFieldSelector{ContainerName: "c", Resource: "requests.cpu", Divisor: resource.MustParse("1m")}, "250"},
		{corev1.ResourceFieldSelector{ContainerName: "c", Resource: "limits.memory", Divisor: resource.MustParse("1Mi")}, "64"},
		{corev1.ResourceFieldSelector{ContainerName: "c", Resource: "requests.memory"}, "0"},
	}
	for _, tc := range cases {
		got, err := ContainerResource(pod, &tc.ref)
		if err != nil || got != tc.want {
			t.Errorf("%+v = %q, %v; want %q", tc.ref, got, err, tc.want)
		}
	}
	if _, err := ContainerResource(pod, &corev1.ResourceFieldSelector{ContainerName: "x", Resource: "limits.cpu"}); err == nil {
		t.Error("unknown container: want an error")
	}
	if _, err := Resource(&c, &corev1.ResourceFieldSelector{Resource: "cpu"}); err == nil {
		t.Error("bad resource: want an error")
	}
}
