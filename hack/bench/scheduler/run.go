package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/wharfhq/wharf/hack/bench"
	"github.com/wharfhq/wharf/proto/client"
)

const ns = "default"

type result struct {
	kind        string
	nodes, pods int
	podsPerSec  float64
	p50, p99    time.Duration
	peakRSS     int64
	// schedCPU and apiCPU are CPU seconds used during the measured phase.
	schedCPU, apiCPU float64
}

// runCase runs one (nodes, pods) case on a fresh apiserver.
func runCase(ctx context.Context, o options, kind, bin string, bc benchCase) (result, error) {
	res := result{kind: kind, nodes: bc.nodes, pods: bc.pods}
	dir := filepath.Join(o.workDir, fmt.Sprintf("%s-%d", kind, bc.nodes))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, err
	}
	api, err := bench.StartAPIServer(ctx, o.apiserver, dir)
	if err != nil {
		return res, err
	}
	defer api.Stop()
	c, err := client.New(&client.Config{Host: api.URL, QPS: -1, UserAgent: "scheduler-bench"})
	if err != nil {
		return res, err
	}
	if err := createNodes(ctx, c, bc.nodes, o.clients); err != nil {
		return res, err
	}
	extra := o.extraArgs
	if kind == "upstream" {
		extra = o.upstreamArgs
	}
	sched, err := startScheduler(ctx, kind, bin, dir, api.URL, strings.Fields(extra))
	if err != nil {
		return res, err
	}
	defer sched.stop()
	if err := waitBound(ctx, c, probePod()); err != nil {
		return res, fmt.Errorf("probe pod: %w (scheduler log: %s)", err, sched.Log)
	}
	if o.profileDir != "" && kind == "wharf" {
		out := filepath.Join(o.profileDir, fmt.Sprintf("wharf-scheduler-%d.pprof", bc.nodes))
		go func() { _ = sched.profile(ctx, out, 5) }()
	}
	s0, _ := cpuSeconds(sched.Pid())
	apiPid := childPid(filepath.Base(o.apiserver))
	a0, _ := cpuSeconds(apiPid)
	lat, elapsed, err := measure(ctx, c, bc.pods, o.clients)
	if err != nil {
		return res, fmt.Errorf("%w (scheduler log: %s)", err, sched.Log)
	}
	s1, _ := cpuSeconds(sched.Pid())
	a1, _ := cpuSeconds(apiPid)
	res.schedCPU, res.apiCPU = s1-s0, a1-a0
	res.podsPerSec = float64(bc.pods) / elapsed.Seconds()
	res.p50, res.p99 = percentile(lat, 0.50), percentile(lat, 0.99)
	if mem, err := sched.peakRSS(); err == nil {
		res.peakRSS = mem
	}
	return res, nil
}

func benchNode(i int) *corev1.Node {
	name := fmt.Sprintf("node-%05d", i)
	alloc := corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("32Gi"),
		corev1.ResourcePods: resource.MustParse("110"),
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}},
		Status: corev1.NodeStatus{Capacity: alloc, Allocatable: alloc, Phase: corev1.NodeRunning,
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue,
				LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}}},
	}
}

func benchPod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app": "bench"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "pause", Image: "registry.k8s.io/pause:3.10",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("500Mi")}}}}},
	}
}

func probePod() *corev1.Pod { return benchPod("probe") }

// parallel runs fn(i) for i in [0, n) on workers goroutines; first error wins.
func parallel(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

func createNodes(ctx context.Context, c *client.Client, n, workers int) error {
	nodes := client.Nodes(c)
	return parallel(ctx, n, workers, func(ctx context.Context, i int) error {
		if _, err := nodes.Create(ctx, benchNode(i), metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create node %d: %w", i, err)
		}
		return nil
	})
}

func waitBound(ctx context.Context, c *client.Client, p *corev1.Pod) error {
	pods := client.Pods(c, ns)
	if _, err := pods.Create(ctx, p, metav1.CreateOptions{}); err != nil {
		return err
	}
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		got, err := pods.Get(ctx, p.Name, metav1.GetOptions{})
		if err == nil && got.Spec.NodeName != "" {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("not bound within 3 minutes")
}

// measure creates n pods and waits for all binds on a watch. It returns
// each pod's create→bind latency and the time from first create to last bind.
func measure(ctx context.Context, c *client.Client, n, workers int) ([]time.Duration, time.Duration, error) {
	pods := client.Pods(c, ns)
	list, err := pods.List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return nil, 0, err
	}
	w, err := pods.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		return nil, 0, err
	}
	defer w.Stop()
	sent := make([]atomic.Int64, n) // unix nanos of create sent
	begin := time.Now()
	createErr := make(chan error, 1)
	go func() {
		createErr <- parallel(ctx, n, workers, func(ctx context.Context, i int) error {
			sent[i].Store(time.Now().UnixNano())
			_, err := pods.Create(ctx, benchPod(fmt.Sprintf("pod-%06d", i)), metav1.CreateOptions{})
			return err
		})
	}()
	lat, last, err := collectBinds(ctx, w, sent, createErr)
	return lat, last.Sub(begin), err
}

func collectBinds(ctx context.Context, w *client.Watch[*corev1.Pod], sent []atomic.Int64, createErr chan error) ([]time.Duration, time.Time, error) {
	n := len(sent)
	bound := make(map[string]bool, n)
	lat := make([]time.Duration, 0, n)
	var last time.Time
	timeout := time.NewTimer(10 * time.Minute)
	defer timeout.Stop()
	for len(lat) < n {
		select {
		case ev, ok := <-w.Events():
			if !ok {
				return lat, last, fmt.Errorf("watch ended after %d binds: %v", len(lat), w.Err())
			}
			if ev.Type == watch.Error || ev.Type == watch.Bookmark || ev.Object == nil {
				continue
			}
			p := ev.Object
			var i int
			if p.Spec.NodeName == "" || bound[p.Name] || p.Name == "probe" {
				continue
			}
			if _, err := fmt.Sscanf(p.Name, "pod-%06d", &i); err != nil || i >= n {
				continue
			}
			bound[p.Name], last = true, time.Now()
			lat = append(lat, last.Sub(time.Unix(0, sent[i].Load())))
		case err := <-createErr:
			if err != nil {
				return lat, last, fmt.Errorf("creating pods: %w", err)
			}
		case <-timeout.C:
			return lat, last, fmt.Errorf("only %d of %d pods bound after 10 minutes", len(lat), n)
		case <-ctx.Done():
			return lat, last, ctx.Err()
		}
	}
	return lat, last, nil
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}
