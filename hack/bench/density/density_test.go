//go:build density

package density

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/wharfhq/wharf/hack/cluster"
	"github.com/wharfhq/wharf/hack/images"
	"github.com/wharfhq/wharf/proto/client"
)

const (
	namespace   = "density"
	nodes       = 3
	createConns = 10 // concurrent creates
)

// recorder collects latencies from several goroutines.
type recorder struct {
	mu  sync.Mutex
	api []time.Duration
}

func (r *recorder) add(d time.Duration) {
	r.mu.Lock()
	r.api = append(r.api, d)
	r.mu.Unlock()
}

// timed runs f and records its latency.
func (r *recorder) timed(f func() error) error {
	start := time.Now()
	err := f()
	r.add(time.Since(start))
	return err
}

func BenchmarkDensity(b *testing.B) {
	pods := 100
	if v := os.Getenv("WHARF_DENSITY_PODS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("WHARF_DENSITY_PODS=%q: want a positive integer", v)
		}
		pods = n
	}
	qps := 20.0
	if v := os.Getenv("WHARF_DENSITY_QPS"); v != "" {
		q, err := strconv.ParseFloat(v, 64)
		if err != nil || q < 0 {
			b.Fatalf("WHARF_DENSITY_QPS=%q: want a number ≥ 0 (0: no pacing)", v)
		}
		qps = q
	}
	c := startCluster(b)
	for i := range b.N {
		if i > 0 {
			b.StopTimer()
			deleteAll(b, c.Client())
			b.StartTimer()
		}
		res := run(b, c.Client(), pods, qps, c.Nodes()[0])
		b.ReportMetric(ms(res.startupP50), "startup-p50-ms")
		b.ReportMetric(ms(res.startupP99), "startup-p99-ms")
		b.ReportMetric(ms(res.apiP99), "api-p99-ms")
		b.ReportMetric(res.total.Seconds(), "all-running-s")
		b.Logf("density: %d pods on %d nodes, created at %v/s (0: unpaced)\n%-22s %10s %10s\n%-22s %10v %10s\n%-22s %10v %10s\n%-22s %10v %10s\n%-22s %10v %10s",
			pods, nodes, qps, "figure", "value", "target",
			"pod startup p50", res.startupP50.Round(time.Millisecond), "",
			"pod startup p99", res.startupP99.Round(time.Millisecond), "≤ 5s",
			fmt.Sprintf("API p99 (%d calls)", res.apiCalls), res.apiP99.Round(time.Millisecond), "≤ 1s",
			"all Running after", res.total.Round(time.Millisecond), "")
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// startCluster starts a 3-node cluster with the test images and waits for
// its nodes to be Ready; the timer is reset afterwards.
func startCluster(b *testing.B) *cluster.Cluster {
	b.Helper()
	if os.Geteuid() != 0 {
		b.Skip("density: needs root (network namespaces, containerd)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	imgs := b.TempDir()
	if _, err := images.Build(ctx, imgs); err != nil {
		b.Fatal(err)
	}
	c := cluster.Start(b, cluster.Options{Nodes: nodes, ImageImportDir: imgs})
	for _, bin := range []string{cluster.BinScheduler, cluster.BinControllerManager, cluster.BinKubelet} {
		if !c.Binaries().Has(bin) {
			b.Skipf("%s not available: %s", bin, c.Missing()[bin])
		}
	}
	for _, n := range c.Nodes() {
		if err := poll(ctx, func() error { return nodeReady(ctx, c.Client(), n) }); err != nil {
			b.Fatalf("node %s: %v", n, err)
		}
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}
	if _, err := client.Namespaces(c.Client()).Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	if err := poll(ctx, func() error {
		_, err := client.ServiceAccounts(c.Client(), namespace).Get(ctx, "default", metav1.GetOptions{})
		return err
	}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	return c
}

func nodeReady(ctx context.Context, cl *client.Client, name string) error {
	n, err := client.Nodes(cl).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
			return nil
		}
	}
	return fmt.Errorf("not Ready")
}

// poll retries f every 250 ms until it succeeds or ctx ends.
func poll(ctx context.Context, f func() error) error {
	for {
		err := f()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func podSpec(name string) *corev1.Pod {
	req := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")}
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "density"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "hello", Image: "hello",
			Resources: corev1.ResourceRequirements{Requests: req}}}}}
}

// started reports whether p is Running with all its containers running.
func started(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning || len(p.Status.ContainerStatuses) != len(p.Spec.Containers) {
		return false
	}
	return !slices.ContainsFunc(p.Status.ContainerStatuses, func(cs corev1.ContainerStatus) bool { return cs.State.Running == nil })
}

// watchStarted records when each pod of the namespace is first seen
// started, until want pods are; it returns those times.
func watchStarted(ctx context.Context, w *client.Watch[*corev1.Pod], want int) (map[string]time.Time, error) {
	seen := map[string]time.Time{}
	for len(seen) < want {
		select {
		case <-ctx.Done():
			return seen, fmt.Errorf("%d of %d pods started: %w", len(seen), want, ctx.Err())
		case ev, ok := <-w.Events():
			if !ok {
				return seen, fmt.Errorf("watch closed after %d of %d pods started: %v", len(seen), want, w.Err())
			}
			if ev.Type != watch.Added && ev.Type != watch.Modified {
				continue
			}
			if _, done := seen[ev.Object.Name]; !done && started(ev.Object) {
				seen[ev.Object.Name] = time.Now()
			}
		}
	}
	return seen, nil
}

// deleteAll removes the previous iteration's pods and waits until they are
// gone, so every iteration starts from an empty namespace.
func deleteAll(b *testing.B, cl *client.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	zero := int64(0)
	pods := client.Pods(cl, namespace)
	if err := pods.DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: &zero}, metav1.ListOptions{}); err != nil {
		b.Fatal(err)
	}
	if err := poll(ctx, func() error {
		l, err := pods.List(ctx, metav1.ListOptions{})
		if err == nil && len(l.Items) > 0 {
			err = fmt.Errorf("%d pods left", len(l.Items))
		}
		return err
	}); err != nil {
		b.Fatal(err)
	}
}
