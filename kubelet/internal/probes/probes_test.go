package probes

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

func TestDo(t *testing.T) {
	var healthy atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() || r.URL.Path != "/healthz" || r.Header.Get("X-Probe") != "1" {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	host, portS, _ := net.SplitHostPort(srv.Listener.Addr().String())
	port, _ := strconv.Atoi(portS)
	ctr := &corev1.Container{Ports: []corev1.ContainerPort{{Name: "web", ContainerPort: int32(port)}}}
	target := Target{PodIP: host, Container: ctr, Exec: func(_ context.Context, _ string, cmd []string) (int, error) {
		if cmd[0] == "ok" {
			return 0, nil
		}
		return 1, nil
	}}
	httpProbe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("web"),
		HTTPHeaders: []corev1.HTTPHeader{{Name: "X-Probe", Value: "1"}}}}}
	if err := Do(context.Background(), httpProbe, target); err == nil {
		t.Error("500 counted as success")
	}
	healthy.Store(true)
	if err := Do(context.Background(), httpProbe, target); err != nil {
		t.Errorf("http: %v", err)
	}
	tcp := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(int32(port))}}}
	if err := Do(context.Background(), tcp, target); err != nil {
		t.Errorf("tcp: %v", err)
	}
	srv.Close()
	if err := Do(context.Background(), tcp, target); err == nil {
		t.Error("tcp to a closed port succeeded")
	}
	for cmd, ok := range map[string]bool{"ok": true, "fail": false} {
		err := Do(context.Background(), &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{cmd}}}}, target)
		if (err == nil) != ok {
			t.Errorf("exec %s: %v", cmd, err)
		}
	}
	if err := Do(context.Background(), &corev1.Probe{}, target); err == nil {
		t.Error("probe without handler accepted")
	}
}

func TestManagerThresholds(t *testing.T) {
	var code atomic.Int32
	gate := make(chan struct{}) // no probe answers before the first Status check
	m := NewManager(func(ctx context.Context, _ string, _ []string) (int, error) {
		select {
		case <-gate:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		return int(code.Load()), nil
	}, nil)
	exec := corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"x"}}}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{UID: "u"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c",
		ReadinessProbe: &corev1.Probe{ProbeHandler: exec, PeriodSeconds: 1},
		LivenessProbe:  &corev1.Probe{ProbeHandler: exec, PeriodSeconds: 1, FailureThreshold: 2},
	}}}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	notified := make(chan struct{}, 10)
	running := []runtime.Container{{ID: "id1", Name: "c", StartedAt: time.Now()}}
	m.Sync(ctx, pod, "", "", running, func() { notified <- struct{}{} })
	if st, ok := m.Status("id1"); !ok || st.Ready {
		t.Fatalf("before any probe: %+v %v", st, ok)
	}
	close(gate)
	<-notified
	if st, _ := m.Status("id1"); !st.Ready || st.Unhealthy != "" {
		t.Fatalf("after success: %+v", st)
	}
	code.Store(1)
	for {
		<-notified
		if st, _ := m.Status("id1"); st.Unhealthy != "" {
			break
		}
	}
	m.Sync(ctx, pod, "", "", nil, func() {})
	if _, ok := m.Status("id1"); ok {
		t.Error("stopped container still probed")
	}
}
