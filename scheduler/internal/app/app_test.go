package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
	"github.com/wharfhq/wharf/proto/client"
	tp "github.com/wharfhq/wharf/scheduler/internal/testpods"
)

// cluster is a real apiserver plus a client for the test's own writes.
type cluster struct {
	t   *testing.T
	srv *apiservertest.Server
	c   *client.Client
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	srv := apiservertest.Start(t)
	return &cluster{t: t, srv: srv, c: srv.Client(t)}
}

// startScheduler runs the app until the test ends; it returns the metrics
// address and a stop function that waits for Run to return.
func (k *cluster) startScheduler(opts Options) (addr string, stop func()) {
	k.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	opts.Kubeconfig = k.srv.Kubeconfig
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.BindAddress == "" {
		opts.BindAddress = "127.0.0.1:0"
	}
	addrCh := make(chan string, 1)
	opts.OnListen = func(a string) { addrCh <- a }
	done := make(chan error, 1)
	go func() { done <- Run(ctx, opts) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				k.t.Errorf("scheduler Run: %v", err)
			}
		})
	}
	k.t.Cleanup(stop)
	select {
	case addr = <-addrCh:
	case err := <-done:
		k.t.Fatalf("scheduler exited early: %v", err)
	}
	return addr, stop
}

func (k *cluster) createNode(n *corev1.Node) {
	k.t.Helper()
	if _, err := client.Nodes(k.c).Create(context.Background(), n, metav1.CreateOptions{}); err != nil {
		k.t.Fatalf("create node %s: %v", n.Name, err)
	}
}

func (k *cluster) createPod(p *corev1.Pod) {
	k.t.Helper()
	p = p.DeepCopy()
	p.UID = ""
	if _, err := client.Pods(k.c, p.Namespace).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
		k.t.Fatalf("create pod %s: %v", p.Name, err)
	}
}

// eventually polls cond until it holds or a generous deadline passes.
func (k *cluster) eventually(what string, cond func() (bool, error)) {
	k.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ok, err := cond()
		if ok {
			return
		}
		last = err
		time.Sleep(20 * time.Millisecond)
	}
	k.t.Fatalf("%s: timed out (last error: %v)", what, last)
}

func (k *cluster) nodeOf(name string) string {
	k.t.Helper()
	var node string
	k.eventually("pod "+name+" bound", func() (bool, error) {
		p, err := client.Pods(k.c, "default").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		node = p.Spec.NodeName
		return node != "", nil
	})
	return node
}

func taint(key, value string) func(*corev1.Node) {
	return func(n *corev1.Node) {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: key, Value: value, Effect: corev1.TaintEffectNoSchedule})
	}
}

func TestPodsLandWhereTheyFit(t *testing.T) {
	k := newCluster(t)
	k.createNode(tp.Node("small", "1", "2Gi"))
	k.createNode(tp.Node("big", "8", "16Gi"))
	k.createNode(tp.Node("ssd", "2", "4Gi", func(n *corev1.Node) { n.Labels["disk"] = "ssd" }))
	k.createNode(tp.Node("gpu", "32", "64Gi", taint("dedicated", "gpu")))
	k.createNode(tp.Node("cordoned", "32", "64Gi", func(n *corev1.Node) { n.Spec.Unschedulable = true }))
	k.startScheduler(Options{})

	k.createPod(tp.Pod("needs-4-cpu", "4", "1Gi"))
	k.createPod(tp.Pod("wants-ssd", "100m", "", func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"disk": "ssd"} }))
	k.createPod(tp.Pod("tolerates-gpu", "20", "", func(p *corev1.Pod) {
		p.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}
	}))
	want := map[string]string{"needs-4-cpu": "big", "wants-ssd": "ssd", "tolerates-gpu": "gpu"}
	for pod, node := range want {
		if got := k.nodeOf(pod); got != node {
			t.Errorf("pod %s on %s, want %s", pod, got, node)
		}
	}
	// Many small pods never land on the tainted or cordoned node, and never
	// overcommit cpu.
	for i := range 20 {
		k.createPod(tp.Pod(fmt.Sprintf("small-%d", i), "250m", "100Mi"))
	}
	used := map[string]int64{"big": 4000, "ssd": 100}
	for i := range 20 {
		node := k.nodeOf(fmt.Sprintf("small-%d", i))
		if node == "gpu" || node == "cordoned" {
			t.Errorf("small-%d landed on %s", i, node)
		}
		used[node] += 250
	}
	caps := map[string]int64{"small": 1000, "big": 8000, "ssd": 2000}
	for node, u := range used {
		if u > caps[node] {
			t.Errorf("node %s overcommitted: %dm of %dm", node, u, caps[node])
		}
	}
}

func TestUnschedulablePodGetsEventThenPlaced(t *testing.T) {
	k := newCluster(t)
	k.createNode(tp.Node("small", "1", "2Gi"))
	k.createNode(tp.Node("tainted", "64", "64Gi", taint("dedicated", "gpu")))
	addr, _ := k.startScheduler(Options{})
	k.createPod(tp.Pod("huge", "16", "1Gi"))

	wantMsg := "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}."
	k.eventually("FailedScheduling event", func() (bool, error) {
		evs, err := client.Events(k.c, "default").List(context.Background(), metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, e := range evs.Items {
			if e.Reason == "FailedScheduling" && e.InvolvedObject.Name == "huge" && strings.HasPrefix(e.Message, wantMsg) {
				return true, nil
			}
		}
		return false, fmt.Errorf("%d events, none matching", len(evs.Items))
	})
	k.eventually("PodScheduled=False", func() (bool, error) {
		p, err := client.Pods(k.c, "default").Get(context.Background(), "huge", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == "Unschedulable" {
				return true, nil
			}
		}
		return false, errors.New("no PodScheduled=False condition")
	})
	k.createNode(tp.Node("roomy", "32", "64Gi"))
	if got := k.nodeOf("huge"); got != "roomy" {
		t.Fatalf("huge on %s, want roomy", got)
	}
	body := httpGet(t, "http://"+addr+"/metrics")
	for _, m := range []string{`scheduler_schedule_attempts_total{result="unschedulable"}`, `scheduler_schedule_attempts_total{result="scheduled"} 1`} {
		if !strings.Contains(body, m) {
			t.Errorf("metrics lack %s", m)
		}
	}
	if got := httpGet(t, "http://"+addr+"/healthz"); got != "ok" {
		t.Errorf("healthz: %q", got)
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
