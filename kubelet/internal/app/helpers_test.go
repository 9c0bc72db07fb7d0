package app

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
	"github.com/wharfhq/wharf/kubelet/internal/runtime/containerd"
	"github.com/wharfhq/wharf/proto/client"
)

func getHello(t *testing.T, cl *cluster, ip string) string {
	t.Helper()
	var lastErr error
	for i := 0; i < 100; i++ {
		body, err := httpGet(cl.d.NetNS, ip+":8080")
		if err == nil {
			return body
		}
		lastErr = err
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("GET %s:8080 from the node netns: %v", ip, lastErr)
	return ""
}

func waitFile(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var data []byte
	for time.Now().Before(deadline) {
		data, _ = os.ReadFile(path)
		if strings.Contains(string(data), want) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: %q not found in %q", path, want, data)
}

func waitGone(t *testing.T, cl *cluster, name string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		_, err := client.Pods(cl.c, "default").Get(context.Background(), name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("pod %s not deleted", name)
}

func runtimeClient(t *testing.T, cl *cluster) *containerd.Containerd {
	t.Helper()
	rt, err := containerd.New(context.Background(), containerd.Options{Address: cl.d.Address})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

func listPod(t *testing.T, cl *cluster, uid string) ([]runtime.Container, error) {
	return runtimeClient(t, cl).ListContainers(context.Background(), map[string]string{runtime.LabelPodUID: uid})
}

// containerIDs maps every running container of the long-running pods
// (hello-openshift, pair) to its start time.
func containerIDs(t *testing.T, cl *cluster) map[string]time.Time {
	t.Helper()
	all, err := runtimeClient(t, cl).ListContainers(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]time.Time{}
	for _, c := range all {
		if c.State == runtime.StateRunning && (c.PodName == "hello-openshift" || c.PodName == "pair") {
			out[c.ID] = c.StartedAt
		}
	}
	if len(out) == 0 {
		t.Fatal("no running containers")
	}
	return out
}
