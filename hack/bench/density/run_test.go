//go:build density

package density

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

// result is one density run's figures.
type result struct {
	startupP50, startupP99 time.Duration
	apiP99                 time.Duration
	apiCalls               int
	total                  time.Duration
}

// run creates pods pods (createConns at a time, paced by qps), waits until all are
// started, and returns the figures. node is a Node the prober reads.
func run(b *testing.B, cl *client.Client, pods int, qps float64, node string) result {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	rec := &recorder{}
	w, err := client.Pods(cl, namespace).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	probeCtx, stopProbe := context.WithCancel(ctx)
	var probeWG sync.WaitGroup
	probeWG.Add(1)
	go func() { defer probeWG.Done(); probe(probeCtx, cl, rec, node) }()

	// The watch is read from the start, concurrently with the creates: an
	// event read only after the last create would time its pod late.
	type watched struct {
		seen map[string]time.Time
		err  error
	}
	done := make(chan watched, 1)
	start := time.Now()
	go func() {
		seen, err := watchStarted(ctx, w, pods)
		done <- watched{seen, err}
	}()
	created := createAll(ctx, b, cl, rec, pods, qps)
	res := <-done
	seen, err := res.seen, res.err
	total := time.Since(start)
	stopProbe()
	probeWG.Wait()
	if err != nil {
		b.Fatal(err)
	}
	var startup []time.Duration
	for name, t0 := range created {
		startup = append(startup, seen[name].Sub(t0))
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return result{startupP50: quantile(startup, 0.50), startupP99: quantile(startup, 0.99),
		apiP99: quantile(rec.api, 0.99), apiCalls: len(rec.api), total: total}
}

// createAll creates the pods and returns when each create was sent.
// qps > 0 paces the creates (upstream's density test creates at a
// bounded rate too); 0 sends them as fast as createConns allow.
func createAll(ctx context.Context, b *testing.B, cl *client.Client, rec *recorder, pods int, qps float64) map[string]time.Time {
	var mu sync.Mutex
	created := map[string]time.Time{}
	names := make(chan string)
	errs := make(chan error, createConns)
	var wg sync.WaitGroup
	for range createConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range names {
				t0 := time.Now()
				mu.Lock()
				created[name] = t0
				mu.Unlock()
				if err := rec.timed(func() error {
					_, err := client.Pods(cl, namespace).Create(ctx, podSpec(name), metav1.CreateOptions{})
					return err
				}); err != nil {
					errs <- fmt.Errorf("create %s: %w", name, err)
					return
				}
			}
		}()
	}
	var tick <-chan time.Time
	if qps > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / qps))
		defer t.Stop()
		tick = t.C
	}
	for i := range pods {
		if tick != nil && i > 0 {
			<-tick
		}
		names <- fmt.Sprintf("density-%03d", i)
	}
	close(names)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	return created
}

// probe makes read calls every 100 ms while the run lasts: the latency a
// user of the API sees under the load.
func probe(ctx context.Context, cl *client.Client, rec *recorder, node string) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		// A failed probe still has a latency; errors are not the figure.
		switch i % 3 {
		case 0:
			_ = rec.timed(func() error { _, err := client.Nodes(cl).Get(ctx, node, metav1.GetOptions{}); return err })
		case 1:
			_ = rec.timed(func() error {
				_, err := client.Pods(cl, namespace).List(ctx, metav1.ListOptions{LabelSelector: "app=density"})
				return err
			})
		default:
			_ = rec.timed(func() error {
				_, err := client.Pods(cl, namespace).Get(ctx, "density-000", metav1.GetOptions{})
				if apierrors.IsNotFound(err) {
					return nil // not created yet: still a served request
				}
				return err
			})
		}
	}
}

// quantile is the q-quantile (nearest rank) of ds; 0 when empty.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}
