package pods

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
	"github.com/wharfhq/wharf/kubelet/internal/runtime"
	"github.com/wharfhq/wharf/proto/client"
)

// fakeNet hands out 10.9.0.<n>.
type fakeNet struct {
	mu   sync.Mutex
	ips  map[string]int
	next int
}

func (f *fakeNet) Setup(uid string) (string, net.IP, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.ips[uid]; !ok {
		f.next++
		f.ips[uid] = f.next + 1
	}
	return "/fake/" + uid, net.IPv4(10, 9, 0, byte(f.ips[uid])), nil
}

func (f *fakeNet) Teardown(uid string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.ips, uid)
	return nil
}

func (f *fakeNet) Pods() ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for uid := range f.ips {
		out = append(out, uid)
	}
	return out, nil
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestControllerWithFakeRuntime(t *testing.T) {
	s := apiservertest.Start(t)
	c, err := client.New(&client.Config{Host: s.URL})
	if err != nil {
		t.Fatal(err)
	}
	rt := runtime.NewFake()
	netw := &fakeNet{ips: map[string]int{"orphan-uid": 99}}
	// An orphan left by an earlier kubelet: its pod no longer exists.
	orphan, _ := rt.CreateContainer(t.Context(), runtime.ContainerSpec{PodUID: "orphan-uid", Name: "x", Image: "i"})
	_ = rt.StartContainer(t.Context(), orphan)

	ctl := New(Config{Client: c, NodeName: "n1", RootDir: t.TempDir(), Runtime: rt, Network: netw, HostIP: "10.9.0.1", ResyncPeriod: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ctl.Run(ctx) }()
	defer func() { cancel(); <-done }()

	pods := client.Pods(c, "default")
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: corev1.PodSpec{
		NodeName: "n1", Containers: []corev1.Container{{Name: "a", Image: "img:1", Lifecycle: &corev1.Lifecycle{
			PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"sh", "-c", "echo bye"}}},
		}}},
	}}
	if pod, err = pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	get := func() *corev1.Pod {
		p, err := pods.Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return &corev1.Pod{}
		}
		return p
	}
	waitFor(t, "pod Running with IP", func() bool { p := get(); return p.Status.Phase == corev1.PodRunning && p.Status.PodIP == "10.9.0.2" })
	waitFor(t, "orphan removed", func() bool { _, err := rt.ContainerStatus(ctx, orphan); return err != nil })

	id := runtime.ContainerID(string(pod.UID), "a", 0)
	if err := rt.Exit(id, 1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "restartCount 1", func() bool {
		p := get()
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount == 1 && p.Status.ContainerStatuses[0].State.Running != nil
	})

	if err := pods.Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "pod deleted by the kubelet", func() bool {
		_, err := pods.Get(ctx, "web", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
	if ex := rt.Execs(); len(ex) != 1 || ex[0] != runtime.ContainerID(string(pod.UID), "a", 1)+": sh -c echo bye" {
		t.Errorf("preStop execs = %q", ex)
	}
	if left, _ := rt.ListContainers(ctx, nil); len(left) != 0 {
		t.Errorf("containers left: %+v", left)
	}
	if p, _ := netw.Pods(); len(p) != 0 {
		t.Errorf("networks left: %v", p)
	}
}

func TestControllerImagePullBackOff(t *testing.T) {
	s := apiservertest.Start(t)
	c, _ := client.New(&client.Config{Host: s.URL})
	rt := runtime.NewFake()
	rt.SetMissing("nope:1", fmt.Errorf("pull nope:1: not found in registry"))
	ctl := New(Config{Client: c, NodeName: "n1", RootDir: t.TempDir(), Runtime: rt, Network: &fakeNet{ips: map[string]int{}}, ResyncPeriod: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ctl.Run(ctx) }()
	defer func() { cancel(); <-done }()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "bad", Namespace: "default"}, Spec: corev1.PodSpec{
		NodeName: "n1", Containers: []corev1.Container{{Name: "a", Image: "nope:1"}},
	}}
	if _, err := client.Pods(c, "default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a Failed event", func() bool {
		evs, err := client.Events(c, "default").List(ctx, metav1.ListOptions{})
		return err == nil && len(evs.Items) > 0 && evs.Items[0].Reason == "Failed" && evs.Items[0].InvolvedObject.Name == "bad"
	})
	waitFor(t, "ImagePullBackOff with message", func() bool {
		p, err := client.Pods(c, "default").Get(ctx, "bad", metav1.GetOptions{})
		if err != nil || len(p.Status.ContainerStatuses) == 0 || p.Status.ContainerStatuses[0].State.Waiting == nil {
			return false
		}
		w := p.Status.ContainerStatuses[0].State.Waiting
		return w.Reason == "ImagePullBackOff" && w.Message != "" && p.Status.Phase == corev1.PodPending
	})
}
