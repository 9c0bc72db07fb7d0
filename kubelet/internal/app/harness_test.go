package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
	"github.com/wharfhq/wharf/kubelet/internal/containerdtest"
	"github.com/wharfhq/wharf/kubelet/internal/network"
	"github.com/wharfhq/wharf/proto/client"
)

const (
	testNode = "node-1"
	testCIDR = "10.244.1.0/24"
)

// cluster is a real apiserver, a private containerd and a kubelet that can
// be stopped and started again.
type cluster struct {
	t      *testing.T
	d      *containerdtest.Daemon
	c      *client.Client
	opts   Options
	cancel context.CancelFunc
	done   chan error
}

// newCluster starts it all; opts, if given, adjust the kubelet's options.
func newCluster(t *testing.T, opts ...func(*Options)) *cluster {
	cgroupRoot := containerdtest.CgroupParent(t) // removed after the daemon
	d := containerdtest.Start(t)
	imgs := containerdtest.Images(t)
	s := apiservertest.Start(t)
	c, err := client.New(&client.Config{Host: s.URL})
	if err != nil {
		t.Fatal(err)
	}
	cl := &cluster{t: t, d: d, c: c, opts: Options{
		NodeName: testNode, RootDir: filepath.Join(d.Dir, "kubelet"), ContainerdAddress: d.Address,
		ImageImportDir: imgs, PodCIDR: testCIDR, NodeIP: "10.244.1.1", HostNetNS: d.NetNS,
		Runtime: "containerd", Client: c, CgroupRoot: cgroupRoot, KubeletPort: -1,
		Log: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}}
	for _, f := range opts {
		f(&cl.opts)
	}
	cl.start()
	t.Cleanup(cl.stop)
	return cl
}

func (cl *cluster) start() {
	ctx, cancel := context.WithCancel(context.Background())
	cl.cancel, cl.done = cancel, make(chan error, 1)
	go func() { cl.done <- Run(ctx, cl.opts) }()
}

func (cl *cluster) stop() {
	if cl.cancel == nil {
		return
	}
	cl.cancel()
	if err := <-cl.done; err != nil {
		cl.t.Errorf("kubelet: %v", err)
	}
	cl.cancel = nil
}

// testWriter sends kubelet logs to t.Log while the test runs.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

func (cl *cluster) createPod(pod *corev1.Pod) *corev1.Pod {
	cl.t.Helper()
	pod.Spec.NodeName = testNode
	if pod.Namespace == "" {
		pod.Namespace = "default"
	}
	out, err := client.Pods(cl.c, pod.Namespace).Create(context.Background(), pod, metav1.CreateOptions{})
	if err != nil {
		cl.t.Fatal(err)
	}
	return out
}

// waitPod polls the pod until cond accepts it.
func (cl *cluster) waitPod(name string, what string, cond func(*corev1.Pod) bool) *corev1.Pod {
	cl.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	var last *corev1.Pod
	for time.Now().Before(deadline) {
		p, err := client.Pods(cl.c, "default").Get(context.Background(), name, metav1.GetOptions{})
		if err == nil {
			last = p
			if cond(p) {
				return p
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	js, _ := json.MarshalIndent(last, "", "  ")
	cl.t.Fatalf("pod %s: timed out waiting for %s; last:\n%s", name, what, js)
	return nil
}

func loadPod(t *testing.T, path string) *corev1.Pod {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p corev1.Pod
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

// httpGet fetches url from inside the namespace at nsPath (the socket is
// made there, so http.Client's dialer goroutines cannot be used).
func httpGet(nsPath, addr string) (string, error) {
	var body string
	err := network.Do(nsPath, func() error {
		conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			return err
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(conn, "GET / HTTP/1.0\r\nHost: %s\r\n\r\n", addr)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		body = string(b)
		return err
	})
	return body, err
}

func running(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodRunning && p.Status.PodIP != "" && len(p.Status.ContainerStatuses) > 0 &&
		p.Status.ContainerStatuses[0].State.Running != nil
}
