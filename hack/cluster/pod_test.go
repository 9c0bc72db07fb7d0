package cluster_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/hack/cluster"
	"github.com/wharfhq/wharf/hack/images"
	"github.com/wharfhq/wharf/proto/client"
)

// TestPodOnNode: a pod bound to a node runs in that node's containerd and
// answers inside the node's namespace; after the test, no process, mount,
// namespace or directory of the cluster is left.
func TestPodOnNode(t *testing.T) {
	var dir string
	t.Run("pod", func(t *testing.T) {
		imgs := t.TempDir()
		if _, err := images.Build(t.Context(), imgs); err != nil {
			t.Fatal(err)
		}
		c := cluster.Start(t, cluster.Options{Nodes: 1, ImageImportDir: imgs})
		dir = c.Dir()
		if !c.Binaries().Has(cluster.BinKubelet) {
			t.Skipf("kubelet not available: %s", c.Missing()[cluster.BinKubelet])
		}
		ctx := testContext(t)
		runHello(ctx, t, c, "n1")
	})
	if dir == "" {
		t.Skip("cluster did not start")
	}
	assertGone(t, dir)
}

func runHello(ctx context.Context, t *testing.T, c *cluster.Cluster, node string) {
	t.Helper()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "hello", Namespace: "default"},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "hello", Image: "hello",
			Ports: []corev1.ContainerPort{{ContainerPort: 8080}}}}}}
	if _, err := client.Pods(c.Client(), "default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var ip string
	waitFor(ctx, t, "pod hello Running", func() error {
		if err := c.Healthy(); err != nil {
			t.Fatal(err)
		}
		p, err := client.Pods(c.Client(), "default").Get(ctx, "hello", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.Status.Phase != corev1.PodRunning || p.Status.PodIP == "" {
			return fmt.Errorf("phase %s, IP %q", p.Status.Phase, p.Status.PodIP)
		}
		ip = p.Status.PodIP
		return nil
	})
	waitFor(ctx, t, "hello answers on "+ip, func() error {
		out, err := c.Exec(ctx, node, "curl", "-sS", "--max-time", "3", "http://"+ip+":8080/")
		if err != nil || !strings.Contains(string(out), "Hello OpenShift!") {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	})
}

// assertGone checks that a torn-down cluster left nothing behind.
func assertGone(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still exists (%v)", dir, err)
	}
	if left, _ := filepath.Glob("/run/netns/" + filepath.Base(dir) + "-*"); len(left) > 0 {
		t.Errorf("namespaces left: %v", left)
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), dir) {
			t.Errorf("process %s still runs: %q", p, b)
		}
	}
	if mounts, err := os.ReadFile("/proc/self/mountinfo"); err == nil && strings.Contains(string(mounts), dir) {
		t.Errorf("mounts below %s remain", dir)
	}
}
