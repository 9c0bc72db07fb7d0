package state

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func cpu(v string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(v)}}
}

func TestPodRequests(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	cases := []struct {
		name    string
		spec    corev1.PodSpec
		cpu     int64
		nonZero int64
	}{
		{"sum of containers", corev1.PodSpec{Containers: []corev1.Container{{Resources: cpu("1")}, {Resources: cpu("500m")}}}, 1500, 1500},
		{"no requests", corev1.PodSpec{Containers: []corev1.Container{{}, {}}}, 0, 200},
		{"init max", corev1.PodSpec{Containers: []corev1.Container{{Resources: cpu("1")}},
			InitContainers: []corev1.Container{{Resources: cpu("2")}}}, 2000, 100 * 10},
		{"sidecar adds", corev1.PodSpec{Containers: []corev1.Container{{Resources: cpu("1")}},
			InitContainers: []corev1.Container{{Resources: cpu("300m"), RestartPolicy: &always}}}, 1300, 1000},
		{"overhead", corev1.PodSpec{Containers: []corev1.Container{{Resources: cpu("1")}},
			Overhead: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m")}}, 1250, 1250},
	}
	for _, c := range cases {
		req, nz := PodRequests(&corev1.Pod{Spec: c.spec})
		if req.MilliCPU != c.cpu || nz.MilliCPU != c.nonZero || req.Pods != 1 {
			t.Errorf("%s: cpu %d nonzero %d pods %d; want %d %d 1", c.name, req.MilliCPU, nz.MilliCPU, req.Pods, c.cpu, c.nonZero)
		}
	}
}

func TestScalarResources(t *testing.T) {
	r := FromList(corev1.ResourceList{"example.com/gpu": resource.MustParse("2"), "hugepages-2Mi": resource.MustParse("4Mi"),
		"kubernetes.io/foo": resource.MustParse("1")})
	if r.Scalar["example.com/gpu"] != 2 || r.Scalar["hugepages-2Mi"] != 4<<20 || len(r.Scalar) != 2 {
		t.Fatalf("scalars: %v", r.Scalar)
	}
}
