package app

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
	"github.com/wharfhq/wharf/proto/client"
)

// TestHollowNode runs the kubelet with --runtime=fake: no root, no
// containerd; pods go Running with an IP from the podCIDR.
func TestHollowNode(t *testing.T) {
	s := apiservertest.Start(t)
	c, err := client.New(&client.Config{Host: s.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{NodeName: "hollow-1", RootDir: t.TempDir(), PodCIDR: "10.244.9.0/24", Runtime: "fake", NodeIP: "192.0.2.9", Client: c, Log: slog.New(slog.DiscardHandler)})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "h", Namespace: "default"}, Spec: corev1.PodSpec{
		NodeName: "hollow-1", Containers: []corev1.Container{{Name: "a", Image: "whatever"}},
	}}
	if _, err := client.Pods(c, "default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		p, err := client.Pods(c, "default").Get(ctx, "h", metav1.GetOptions{})
		if err == nil && p.Status.Phase == corev1.PodRunning && strings.HasPrefix(p.Status.PodIP, "10.244.9.") && p.Status.HostIP == "192.0.2.9" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("hollow pod not Running: %+v", p.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	n, err := client.Nodes(c).Get(ctx, "hollow-1", metav1.GetOptions{})
	if err != nil || n.Spec.PodCIDR != "10.244.9.0/24" || len(n.Status.Conditions) == 0 {
		t.Fatalf("node = %+v, %v", n, err)
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	if err := Run(context.Background(), Options{}); err == nil {
		t.Error("missing root dir accepted")
	}
	if err := Run(context.Background(), Options{RootDir: t.TempDir(), Runtime: "docker", Client: &client.Client{}}); err == nil || !strings.Contains(err.Error(), "unknown runtime") {
		t.Errorf("unknown runtime: %v", err)
	}
}
