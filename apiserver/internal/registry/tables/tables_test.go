package tables

import (
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/wharfhq/wharf/proto/api"
)

var now = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }

func names(cols []metav1.TableColumnDefinition) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

func TestColumns(t *testing.T) {
	for res, want := range map[string][]string{
		"pods":        {"Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"},
		"nodes":       {"Name", "Status", "Roles", "Age", "Version", "Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"},
		"services":    {"Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"},
		"deployments": {"Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"},
		"jobs":        {"Name", "Status", "Completions", "Duration", "Age", "Containers", "Images", "Selector"},
		"events":      {"Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen", "Count", "Name"},
		"configmaps":  {"Name", "Data", "Age"},
		"widgets":     {"Name", "Age"},
	} {
		if got := names(For(res).Columns); !reflect.DeepEqual(got, want) {
			t.Errorf("%s columns = %v, want %v", res, got, want)
		}
	}
	if c := For("pods").Columns; c[0].Format != "name" || c[4].Priority != 0 || c[5].Priority != 1 {
		t.Errorf("pods column format/priority wrong: %+v", c)
	}
}

// Every catalogued resource prints one cell per column, even for an
// empty object.
func TestEveryResourceRowWidth(t *testing.T) {
	for _, info := range api.All() {
		p := For(info.Resource)
		if got := len(p.Row(info.NewObject(), now)); got != len(p.Columns) {
			t.Errorf("%s: %d cells for %d columns", info.Resource, got, len(p.Columns))
		}
	}
}

func running(name string, restarts int32, lastExit *metav1.Time) corev1.ContainerStatus {
	s := corev1.ContainerStatus{Name: name, Ready: true, RestartCount: restarts,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	if lastExit != nil {
		s.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{FinishedAt: *lastExit}
	}
	return s
}

func waiting(reason string, restarts int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: "c", RestartCount: restarts,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}
}

func TestPodRows(t *testing.T) {
	base := func(phase corev1.PodPhase, statuses ...corev1.ContainerStatus) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "web", CreationTimestamp: ago(5 * time.Minute)},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}, NodeName: "n1"},
			Status:     corev1.PodStatus{Phase: phase, ContainerStatuses: statuses, PodIPs: []corev1.PodIP{{IP: "10.244.0.5"}}},
		}
	}
	fiveAgo := ago(3 * time.Minute)
	tests := []struct {
		name string
		pod  *corev1.Pod
		want []any
	}{
		{"pending", func() *corev1.Pod {
			p := base(corev1.PodPending)
			p.Status.PodIPs = nil
			p.Spec.NodeName = ""
			return p
		}(),
			[]any{"web", "0/1", "Pending", "0", "5m", "<none>", "<none>", "<none>", "<none>"}},
		{"container creating", base(corev1.PodPending, waiting("ContainerCreating", 0)),
			[]any{"web", "0/1", "ContainerCreating", "0", "5m", "10.244.0.5", "n1", "<none>", "<none>"}},
		{"running", base(corev1.PodRunning, running("c", 0, nil)),
			[]any{"web", "1/1", "Running", "0", "5m", "10.244.0.5", "n1", "<none>", "<none>"}},
		{"restarted", base(corev1.PodRunning, running("c", 2, &fiveAgo)),
			[]any{"web", "1/1", "Running", "2 (3m ago)", "5m", "10.244.0.5", "n1", "<none>", "<none>"}},
		{"crashloop", base(corev1.PodRunning, waiting("CrashLoopBackOff", 4)),
			[]any{"web", "0/1", "CrashLoopBackOff", "4", "5m", "10.244.0.5", "n1", "<none>", "<none>"}},
		{"completed", base(corev1.PodSucceeded, corev1.ContainerStatus{Name: "c",
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed"}}}),
			[]any{"web", "0/1", "Completed", "0", "5m", "10.244.0.5", "n1", "<none>", "<none>"}},
		{"exit code", base(corev1.PodFailed, corev1.ContainerStatus{Name: "c",
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 2}}}),
			[]any{"web", "0/1", "ExitCode:2", "0", "5m", "10.244.0.5", "n1", "<none>", "<none>"}},
		{"terminating", func() *corev1.Pod {
			p := base(corev1.PodRunning, running("c", 0, nil))
			ts := ago(time.Second)
			p.DeletionTimestamp = &ts
			return p
		}(), []any{"web", "1/1", "Terminating", "0", "5m", "10.244.0.5", "n1", "<none>", "<none>"}},
		{"init", func() *corev1.Pod {
			p := base(corev1.PodPending)
			p.Spec.InitContainers = []corev1.Container{{Name: "i"}}
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "i",
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
			return p
		}(), []any{"web", "0/1", "Init:0/1", "0", "5m", "10.244.0.5", "n1", "<none>", "<none>"}},
		{"readiness gates", func() *corev1.Pod {
			p := base(corev1.PodRunning, running("c", 0, nil))
			p.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "x"}, {ConditionType: "y"}}
			p.Status.Conditions = []corev1.PodCondition{{Type: "x", Status: corev1.ConditionTrue}}
			return p
		}(), []any{"web", "1/1", "Running", "0", "5m", "10.244.0.5", "n1", "<none>", "1/2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := For("pods").Row(tc.pod, now); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("row = %#v\nwant  %#v", got, tc.want)
			}
		})
	}
}

func TestRows(t *testing.T) {
	three := int32(3)
	tests := []struct {
		name     string
		resource string
		obj      api.Object
		want     []any
	}{
		{"deployment", "deployments", &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "web", CreationTimestamp: ago(2 * time.Hour)},
			Spec: appsv1.DeploymentSpec{Replicas: &three, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a", Image: "nginx"}, {Name: "b", Image: "redis"}}}}},
			Status: appsv1.DeploymentStatus{ReadyReplicas: 2, UpdatedReplicas: 3, AvailableReplicas: 2},
		}, []any{"web", "2/3", int64(3), int64(2), "120m", "a,b", "nginx,redis", "app=web"}},
		{"service", "services", &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: "web", CreationTimestamp: ago(3 * 24 * time.Hour)},
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, ClusterIP: "10.96.0.10", ClusterIPs: []string{"10.96.0.10"},
				Ports:    []corev1.ServicePort{{Port: 80, NodePort: 30080, Protocol: "TCP", TargetPort: intstr.FromInt32(8080)}, {Port: 53, Protocol: "UDP"}},
				Selector: map[string]string{"app": "web"}},
		}, []any{"web", "NodePort", "10.96.0.10", "<none>", "80:30080/TCP,53/UDP", "3d", "app=web"}},
		{"loadbalancer pending", "services", &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: "lb", CreationTimestamp: ago(time.Minute)},
			Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, ClusterIP: "10.96.0.11"},
		}, []any{"lb", "LoadBalancer", "10.96.0.11", "<pending>", "<none>", "60s", "<none>"}},
		{"node", "nodes", &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: "n1", CreationTimestamp: ago(10 * time.Minute),
				Labels: map[string]string{"node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "worker"}},
			Spec: corev1.NodeSpec{Unschedulable: true},
			Status: corev1.NodeStatus{
				Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
				Addresses:  []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.168.1.10"}},
				NodeInfo:   corev1.NodeSystemInfo{KubeletVersion: "v1.37.2-wharf", OSImage: "Debian", ContainerRuntimeVersion: "containerd://2.0"},
			},
		}, []any{"n1", "Ready,SchedulingDisabled", "control-plane,worker", "10m", "v1.37.2-wharf", "192.168.1.10", "<none>",
			"Debian", "<unknown>", "containerd://2.0"}},
		{"node not ready", "nodes", &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: "n2", CreationTimestamp: ago(10 * time.Minute)},
			Status:     corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionUnknown}}},
		}, []any{"n2", "NotReady", "<none>", "10m", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"}},
		{"job running", "jobs", &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Name: "pi", CreationTimestamp: ago(90 * time.Second)},
			Spec:       batchv1.JobSpec{Completions: &three, Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "pi", Image: "perl"}}}}},
			Status:     batchv1.JobStatus{Succeeded: 1, StartTime: func() *metav1.Time { t := ago(80 * time.Second); return &t }()},
		}, []any{"pi", "Running", "1/3", "80s", "90s", "pi", "perl", ""}},
		{"job complete", "jobs", &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Name: "pi", CreationTimestamp: ago(time.Hour)},
			Spec:       batchv1.JobSpec{Parallelism: &three},
			Status: batchv1.JobStatus{Succeeded: 1, StartTime: func() *metav1.Time { t := ago(50 * time.Minute); return &t }(),
				CompletionTime: func() *metav1.Time { t := ago(49 * time.Minute); return &t }(),
				Conditions:     []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}},
		}, []any{"pi", "Complete", "1/1 of 3", "60s", "60m", "", "", ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := For(tc.resource).Row(tc.obj, now); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("row = %#v\nwant  %#v", got, tc.want)
			}
		})
	}
}
