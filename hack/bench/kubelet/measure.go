package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/hack/bench/proc"
	"github.com/wharfhq/wharf/proto/client"
)

const nodeName = "bench-node"

type results struct {
	p50, p99, max time.Duration
	running       int
	cpu           float64 // fraction of one core
	rss           int64
	idlePods      int
}

func measure(ctx context.Context, e *env, o options) (results, error) {
	var r results
	fmt.Fprintln(os.Stderr, "==> warm-up pod")
	if _, err := startPods(ctx, e.c, "warm", 1); err != nil {
		return r, err
	}
	fmt.Fprintf(os.Stderr, "==> (a) %d pods at once\n", o.pods)
	lat, err := startPods(ctx, e.c, "burst", o.pods)
	if err != nil {
		return r, err
	}
	slices.Sort(lat)
	r.p50, r.p99, r.max, r.running = pct(lat, 50), pct(lat, 99), lat[len(lat)-1], len(lat)
	if more := o.idlePods - o.pods - 1; more > 0 {
		fmt.Fprintf(os.Stderr, "==> (b) %d more pods, then %s idle\n", more, o.idle)
		if _, err := startPods(ctx, e.c, "idle", more); err != nil {
			return r, err
		}
	}
	r.idlePods = max(o.idlePods, o.pods+1)
	time.Sleep(10 * time.Second) // let status writes and events settle
	pid := e.kubelet.Pid()
	c0, err := proc.ReadCPU(pid)
	if err != nil {
		return r, err
	}
	t0 := time.Now()
	if err := proc.Sleep(ctx, o.idle); err != nil {
		return r, err
	}
	c1, err := proc.ReadCPU(pid)
	if err != nil {
		return r, err
	}
	r.cpu = c1.Own().Seconds() - c0.Own().Seconds()
	r.cpu /= time.Since(t0).Seconds()
	m, err := proc.ReadMemory(pid)
	r.rss = m.RSS
	return r, err
}

// startPods creates n pods concurrently and returns, per pod, the time
// from just before its create request to the first list showing it Running.
func startPods(ctx context.Context, c *client.Client, prefix string, n int) ([]time.Duration, error) {
	start := make(map[string]time.Time, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("%s-%03d", prefix, i)
			mu.Lock()
			start[name] = time.Now()
			mu.Unlock()
			_, errs[i] = client.Pods(c, "default").Create(ctx, benchPod(name), metav1.CreateOptions{})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("create: %w", err)
		}
	}
	seen := map[string]time.Duration{}
	err := waitFor(ctx, fmt.Sprintf("%d %s pods Running", n, prefix), 5*time.Minute, func() (bool, error) {
		l, err := client.Pods(c, "default").List(ctx, metav1.ListOptions{})
		now := time.Now()
		if err != nil {
			return false, err
		}
		for _, p := range l.Items {
			if _, ok := start[p.Name]; ok && p.Status.Phase == corev1.PodRunning && seen[p.Name] == 0 {
				seen[p.Name] = now.Sub(start[p.Name])
			}
		}
		return len(seen) == n, nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]time.Duration, 0, n)
	for _, d := range seen {
		out = append(out, d)
	}
	return out, nil
}

func benchPod(name string) *corev1.Pod {
	zero := int64(0)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "kubelet-bench"}},
		Spec: corev1.PodSpec{
			NodeName: nodeName, TerminationGracePeriodSeconds: &zero,
			Containers: []corev1.Container{{Name: "c", Image: "tools", ImagePullPolicy: corev1.PullIfNotPresent, Command: []string{"sleep", "3600"}}},
		},
	}
}

func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

func nodeReady(ctx context.Context, c *client.Client) (bool, error) {
	n, err := client.Nodes(c).Get(ctx, nodeName, metav1.GetOptions{})
	if err != nil {
		return false, err
	}
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			return cond.Status == corev1.ConditionTrue, nil
		}
	}
	return false, nil
}

// deleteAllPods deletes every pod and waits until the kubelet has cleaned
// each up (its directory under podsDir is removed last).
func deleteAllPods(ctx context.Context, c *client.Client, podsDir string) error {
	pods := client.Pods(c, "default")
	l, err := pods.List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for _, p := range l.Items {
		if err := pods.Delete(ctx, p.Name, metav1.DeleteOptions{}); err != nil {
			return err
		}
	}
	return waitFor(ctx, "pods cleaned up by the kubelet", 2*time.Minute, func() (bool, error) {
		l, err := pods.List(ctx, metav1.ListOptions{})
		left, _ := os.ReadDir(podsDir)
		return err == nil && len(l.Items) == 0 && len(left) == 0, err
	})
}

func (r results) print(w io.Writer, o options) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	ok := func(b bool) string {
		if b {
			return "ok"
		}
		return "MISSED"
	}
	fmt.Fprintln(tw, "measure\tvalue\ttarget\t")
	fmt.Fprintf(tw, "pod startup p50 (%d pods at once)\t%s\t\t\n", r.running, r.p50.Round(time.Millisecond))
	fmt.Fprintf(tw, "pod startup p99 (%d pods at once)\t%s\t≤ 2s\t%s\n", r.running, r.p99.Round(time.Millisecond), ok(r.p99 <= 2*time.Second))
	fmt.Fprintf(tw, "pod startup max\t%s\t\t\n", r.max.Round(time.Millisecond))
	fmt.Fprintf(tw, "kubelet CPU idle, %d pods (%s)\t%.2f%% of a core\t≤ 5%%\t%s\n", r.idlePods, o.idle, r.cpu*100, ok(r.cpu <= 0.05))
	fmt.Fprintf(tw, "kubelet RSS idle, %d pods\t%.1f MiB\t≤ 100 MiB\t%s\n", r.idlePods, float64(r.rss)/(1<<20), ok(r.rss <= 100<<20))
	tw.Flush()
}

// mountsUnder lists mount points below dir, deepest first.
func mountsUnder(dir string) []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], dir+"/") {
			out = append(out, fields[4])
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}
