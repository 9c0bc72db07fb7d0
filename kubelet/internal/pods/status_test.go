package pods

import (
	"github.com/wharfhq/wharf/kubelet/internal/cgroups"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

func TestPodStatusPhases(t *testing.T) {
	tests := []struct {
		name  string
		pod   *corev1.Pod
		ctrs  []runtime.Container
		phase corev1.PodPhase
		ready bool
	}{
		{"nothing started", podWith("", nil, "a"), nil, corev1.PodPending, false},
		{"running", podWith("", nil, "a"), []runtime.Container{running("a", 0)}, corev1.PodRunning, true},
		{"one of two running", podWith("", nil, "a", "b"), []runtime.Container{running("a", 0)}, corev1.PodRunning, false},
		{"init pending", podWith("", []string{"i"}, "a"), []runtime.Container{running("i", 0)}, corev1.PodPending, false},
		{"init failed, Never", podWith(corev1.RestartPolicyNever, []string{"i"}, "a"), []runtime.Container{exited("i", 0, 1, time.Second)}, corev1.PodFailed, false},
		{"succeeded", podWith(corev1.RestartPolicyNever, nil, "a"), []runtime.Container{exited("a", 0, 0, time.Second)}, corev1.PodSucceeded, false},
		{"failed", podWith(corev1.RestartPolicyOnFailure, nil, "a", "b"), []runtime.Container{exited("a", 0, 0, time.Second)}, corev1.PodRunning, false},
		{"failed for good", podWith(corev1.RestartPolicyNever, nil, "a", "b"), []runtime.Container{exited("a", 0, 0, time.Second), exited("b", 0, 3, time.Second)}, corev1.PodFailed, false},
		{"restarting stays Running", podWith("", nil, "a"), []runtime.Container{exited("a", 1, 1, time.Second)}, corev1.PodRunning, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := podStatus(tt.pod, statusInput{obs: Observed{Containers: tt.ctrs}, podIP: "10.0.0.2", hostIP: "10.0.0.1", now: t0})
			if st.Phase != tt.phase {
				t.Errorf("phase = %s, want %s", st.Phase, tt.phase)
			}
			ready := false
			for _, c := range st.Conditions {
				if c.Type == corev1.PodReady {
					ready = c.Status == corev1.ConditionTrue
				}
			}
			if ready != tt.ready {
				t.Errorf("ready = %v, want %v", ready, tt.ready)
			}
		})
	}
}

func TestContainerStatusCrashLoop(t *testing.T) {
	pod := podWith("", nil, "a")
	w := map[string]*corev1.ContainerStateWaiting{"a": {Reason: "CrashLoopBackOff"}}
	st := podStatus(pod, statusInput{obs: Observed{Containers: []runtime.Container{exited("a", 1, 2, time.Second), exited("a", 0, 2, time.Minute)}}, waiting: w, now: t0})
	cs := st.ContainerStatuses[0]
	if cs.RestartCount != 1 || cs.State.Waiting == nil || cs.State.Waiting.Reason != "CrashLoopBackOff" {
		t.Fatalf("status = %+v", cs)
	}
	if lt := cs.LastTerminationState.Terminated; lt == nil || lt.ExitCode != 2 || lt.Reason != "Error" || lt.ContainerID != ContainerIDPrefix+"uid-a-1" {
		t.Errorf("lastState = %+v", cs.LastTerminationState)
	}
	// Unchanged input gives an unchanged status: no needless writes.
	again := podStatus(&corev1.Pod{Spec: pod.Spec, Status: st}, statusInput{obs: Observed{Containers: []runtime.Container{exited("a", 1, 2, time.Second), exited("a", 0, 2, time.Minute)}}, waiting: w, now: t0.Add(time.Minute)})
	if statusChanged(st, again) {
		t.Errorf("status changed without a change:\n%+v\n%+v", st, again)
	}
}

func TestQOSClass(t *testing.T) {
	pod := podWith("", nil, "a")
	if q := cgroups.QOSClass(pod); q != corev1.PodQOSBestEffort {
		t.Errorf("qos = %s", q)
	}
	one := resource.MustParse("1")
	pod.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: one, corev1.ResourceMemory: one}
	if q := cgroups.QOSClass(pod); q != corev1.PodQOSGuaranteed {
		t.Errorf("qos = %s", q)
	}
	pod.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")}
	if q := cgroups.QOSClass(pod); q != corev1.PodQOSBurstable {
		t.Errorf("qos = %s", q)
	}
}
