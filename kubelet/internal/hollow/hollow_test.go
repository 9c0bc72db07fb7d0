package hollow

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
	"github.com/wharfhq/wharf/proto/client"
)

// TestThousandHollowNodes: 1,000 hollow kubelets in this process register
// and report Ready, and a pod bound to one of them goes Running.
func TestThousandHollowNodes(t *testing.T) {
	const n = 1000
	s := apiservertest.Start(t)
	c, err := client.New(&client.Config{Host: s.URL, QPS: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{Client: c, Count: n, Prefix: "hollow-", RootDir: t.TempDir(), Log: slog.New(slog.DiscardHandler)})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	deadline := time.Now().Add(5 * time.Minute)
	ready := 0
	for ready < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d hollow nodes Ready", ready, n)
		}
		time.Sleep(time.Second)
		// From the watch cache (resourceVersion 0): 1,000 kubelets keep the
		// apiserver busy, and a slow poll is retried, not fatal.
		list, err := client.Nodes(c).List(ctx, metav1.ListOptions{ResourceVersion: "0"})
		if err != nil {
			t.Logf("listing nodes (retrying): %v", err)
			continue
		}
		ready = 0
		for _, node := range list.Items {
			for _, cond := range node.Status.Conditions {
				if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue && node.Spec.PodCIDR != "" {
					ready++
				}
			}
		}
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"}, Spec: corev1.PodSpec{
		NodeName: NodeName("hollow-", 999), Containers: []corev1.Container{{Name: "a", Image: "x"}},
	}}
	if _, err := client.Pods(c, "default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for {
		p, err := client.Pods(c, "default").Get(ctx, "p", metav1.GetOptions{})
		if err == nil && p.Status.Phase == corev1.PodRunning && p.Status.HostIP == NodeIP(999) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod on hollow node not Running: %+v", p.Status)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestRunRejectsBadCount(t *testing.T) {
	if err := Run(context.Background(), Config{Count: 0}); err == nil {
		t.Error("count 0 accepted")
	}
}

func TestStartOffsetSpreadsEvenly(t *testing.T) {
	if got := startOffset(2500, 5000, 0); got != 10*time.Second {
		t.Errorf("default offset of node 2500 of 5000 = %v, want 10s", got)
	}
	if got := startOffset(3, 4, 4*time.Second); got != 3*time.Second {
		t.Errorf("offset = %v, want 3s", got)
	}
	if got := startOffset(3, 4, -1); got != 0 {
		t.Errorf("negative spread: offset %v, want 0", got)
	}
	if got := startOffset(0, 1, 0); got != 0 {
		t.Errorf("single node offset %v", got)
	}
}

// TestFailedNodeRestarts: a hollow node whose registration fails (the
// apiserver answers 500 to its first node creates) restarts and
// registers instead of stopping the run.
func TestFailedNodeRestarts(t *testing.T) {
	s := apiservertest.Start(t)
	target, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	var refused atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/nodes" && refused.Add(1) <= 2 {
			http.Error(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","code":500,"reason":"InternalError"}`, http.StatusInternalServerError)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c, err := client.New(&client.Config{Host: srv.URL, QPS: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{Client: c, Count: 1, Prefix: "r-", RootDir: t.TempDir(), Log: slog.New(slog.DiscardHandler)})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	deadline := time.Now().Add(time.Minute)
	for {
		n, err := client.Nodes(c).Get(ctx, "r-0", metav1.GetOptions{})
		if err == nil && len(n.Status.Conditions) > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("Run ended after a failed registration: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("node not registered after %d refused creates: %v", refused.Load(), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if refused.Load() < 3 {
		t.Fatalf("only %d node creates seen, want the 2 refused and a retry", refused.Load())
	}
}
