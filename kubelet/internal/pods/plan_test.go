package pods

import (
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

var t0 = time.Unix(1_000_000, 0)

func podWith(policy corev1.RestartPolicy, inits []string, ctrs ...string) *corev1.Pod {
	p := &corev1.Pod{}
	p.Name, p.Namespace, p.UID = "p", "ns", "uid"
	p.Spec.RestartPolicy = policy
	for _, n := range inits {
		p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: n, Image: "img"})
	}
	for _, n := range ctrs {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: n, Image: "img"})
	}
	return p
}

func running(name string, attempt int) runtime.Container {
	return runtime.Container{ID: runtime.ContainerID("uid", name, attempt), Name: name, Attempt: attempt, State: runtime.StateRunning, StartedAt: t0.Add(-time.Minute)}
}

func exited(name string, attempt int, code int32, finishedAgo time.Duration) runtime.Container {
	return runtime.Container{
		ID: runtime.ContainerID("uid", name, attempt), Name: name, Attempt: attempt, State: runtime.StateExited,
		ExitCode: code, Reason: runtime.ExitReason(code, false),
		StartedAt: t0.Add(-finishedAgo - time.Second), FinishedAt: t0.Add(-finishedAgo),
	}
}

func kinds(p Plan) []string {
	var out []string
	for _, a := range p.Actions {
		out = append(out, string(a.Kind)+":"+a.Container+":"+string(rune('0'+a.Attempt)))
	}
	return out
}

func TestPlan(t *testing.T) {
	tests := []struct {
		name        string
		pod         *corev1.Pod
		obs         Observed
		want        []string
		waiting     map[string]string
		wantRequeue time.Duration
	}{
		{name: "fresh pod starts every container", pod: podWith("", nil, "a", "b"),
			want: []string{"CreateStart:a:0", "CreateStart:b:0"}},
		{name: "running containers are left alone", pod: podWith("", nil, "a"),
			obs: Observed{Containers: []runtime.Container{running("a", 0)}}},
		{name: "init containers run first, one at a time", pod: podWith("", []string{"i1", "i2"}, "a"),
			want: []string{"CreateStart:i1:0"}},
		{name: "init running blocks the rest", pod: podWith("", []string{"i1", "i2"}, "a"),
			obs: Observed{Containers: []runtime.Container{running("i1", 0)}}},
		{name: "next init after success", pod: podWith("", []string{"i1", "i2"}, "a"),
			obs: Observed{Containers: []runtime.Container{exited("i1", 0, 0, time.Second)}}, want: []string{"CreateStart:i2:0"}},
		{name: "app containers after all inits", pod: podWith("", []string{"i1"}, "a"),
			obs: Observed{Containers: []runtime.Container{exited("i1", 0, 0, time.Second)}}, want: []string{"CreateStart:a:0"}},
		{name: "failed init with Never stops", pod: podWith(corev1.RestartPolicyNever, []string{"i1"}, "a"),
			obs: Observed{Containers: []runtime.Container{exited("i1", 0, 1, time.Second)}}},
		{name: "first restart is immediate", pod: podWith("", nil, "a"),
			obs: Observed{Containers: []runtime.Container{exited("a", 0, 1, time.Second)}}, want: []string{"CreateStart:a:1"}},
		{name: "second restart backs off 10s", pod: podWith("", nil, "a"),
			obs:     Observed{Containers: []runtime.Container{exited("a", 1, 1, 3*time.Second), exited("a", 0, 1, time.Minute)}},
			waiting: map[string]string{"a": "CrashLoopBackOff"}, wantRequeue: 7 * time.Second},
		{name: "backoff over", pod: podWith("", nil, "a"),
			obs:  Observed{Containers: []runtime.Container{exited("a", 1, 1, 11*time.Second), exited("a", 0, 1, time.Minute)}},
			want: []string{"CreateStart:a:2"}},
		{name: "third restart backs off 20s", pod: podWith("", nil, "a"),
			obs: Observed{Containers: []runtime.Container{exited("a", 2, 1, 11*time.Second)}}, waiting: map[string]string{"a": "CrashLoopBackOff"}, wantRequeue: 9 * time.Second},
		{name: "OnFailure does not restart success", pod: podWith(corev1.RestartPolicyOnFailure, nil, "a"),
			obs: Observed{Containers: []runtime.Container{exited("a", 0, 0, time.Second)}}},
		{name: "Never does not restart failure", pod: podWith(corev1.RestartPolicyNever, nil, "a"),
			obs: Observed{Containers: []runtime.Container{exited("a", 0, 2, time.Second)}}},
		{name: "created but not started is started", pod: podWith("", nil, "a"),
			obs: Observed{Containers: []runtime.Container{{ID: "x", Name: "a", Attempt: 3, State: runtime.StateCreated}}}, want: []string{"Start:a:3"}},
		{name: "pull backoff waits", pod: podWith("", nil, "a"),
			obs:     Observed{Pulls: map[string]PullState{"a": {Failures: 1, Message: "nope", Next: t0.Add(5 * time.Second)}}},
			waiting: map[string]string{"a": "ImagePullBackOff"}, wantRequeue: 5 * time.Second},
		{name: "pull backoff over", pod: podWith("", nil, "a"),
			obs:  Observed{Pulls: map[string]PullState{"a": {Failures: 1, Message: "nope", Next: t0.Add(-time.Second)}}},
			want: []string{"CreateStart:a:0"}},
		{name: "old attempts are collected", pod: podWith("", nil, "a"),
			obs:  Observed{Containers: []runtime.Container{running("a", 3), exited("a", 2, 1, time.Minute), exited("a", 1, 1, 2*time.Minute), exited("a", 0, 1, 3*time.Minute)}},
			want: []string{"Remove:a:1", "Remove:a:0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := plan(tt.pod, tt.obs, t0)
			if got := kinds(p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("actions = %v, want %v", got, tt.want)
			}
			got := map[string]string{}
			for n, w := range p.Waiting {
				got[n] = w.Reason
			}
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, tt.waiting) {
				t.Errorf("waiting = %v, want %v", got, tt.waiting)
			}
			if p.Requeue != tt.wantRequeue {
				t.Errorf("requeue = %v, want %v", p.Requeue, tt.wantRequeue)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 5 * time.Minute, 5 * time.Minute}
	for i, w := range want {
		if got := backoff(i + 1); got != w {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	long := exited("a", 4, 1, 0)
	long.StartedAt = long.FinishedAt.Add(-11 * time.Minute)
	if d := restartDelay(long); d != 0 {
		t.Errorf("backoff not reset after 10m running: %v", d)
	}
}
