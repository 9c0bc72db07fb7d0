package watchcache

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wharfhq/wharf/apiserver/internal/storage"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BenchmarkFanout writes b.N objects to etcd at up to 1000/s and measures
// how long they take to reach each of 1000 watchers (write start to
// receipt, so etcd's commit is included). Every watcher asks for the
// encoded frame, as the HTTP watch handler does. Run it with e.g.
// -benchtime=3000x.
func BenchmarkFanout(b *testing.B) {
	const watchers, rate, writers = 1000, 1000, 8
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	prefix := "/registry/fanout-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "/"
	c, err := New(ctx, Config{Store: testStore, Prefix: prefix, Decode: decode})
	if err != nil {
		b.Fatal(err)
	}
	lat := make([][]time.Duration, watchers)
	var wg sync.WaitGroup
	for i := range watchers {
		w, err := c.Watch(ctx, c.Revision(), prefix, nil)
		if err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat[i] = consume(b, w, b.N)
		}()
	}
	b.ResetTimer()
	start := time.Now()
	write(ctx, b, prefix, b.N, writers, rate)
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()

	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) != watchers*b.N {
		b.Fatalf("delivered %d events, want %d", len(all), watchers*b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(ms(all[len(all)/2]), "p50-ms")
	b.ReportMetric(ms(all[len(all)*99/100]), "p99-ms")
	b.ReportMetric(ms(all[len(all)-1]), "max-ms")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// consume reads n events from w and returns their latencies.
func consume(b *testing.B, w *Watcher, n int) []time.Duration {
	defer w.Stop()
	out := make([]time.Duration, 0, n)
	for ev := range w.Events() {
		_ = ev.Frame()
		sent, err := strconv.ParseInt(ev.Object.GetAnnotations()["sent"], 10, 64)
		if err != nil {
			b.Error(err)
			return out
		}
		out = append(out, time.Since(time.Unix(0, sent)))
		if len(out) == n {
			return out
		}
	}
	b.Errorf("watch ended after %d events: %v", len(out), w.Err())
	return out
}

// write creates n objects under prefix from several goroutines, paced to
// rate per second in total.
func write(ctx context.Context, b *testing.B, prefix string, n, writers, rate int) {
	var wg sync.WaitGroup
	interval := time.Duration(writers) * time.Second / time.Duration(rate)
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for i := g; i < n; i += writers {
				<-tick.C
				name := "o" + strconv.Itoa(i)
				cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default",
					Annotations: map[string]string{"sent": strconv.FormatInt(time.Now().UnixNano(), 10)}}}
				val, _ := json.Marshal(cm)
				if _, err := testStore.Create(ctx, prefix+"default/"+name, val); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// BenchmarkDispatch measures the cache alone: b.N changes applied
// directly (no etcd) and fanned out to 1000 reading watchers. ns/op is
// the cost of one change delivered to all of them.
func BenchmarkDispatch(b *testing.B) {
	const watchers = 1000
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := newCache(Config{Store: testStore, Prefix: "/registry/dispatch/", Decode: decode})
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	for range watchers {
		w, err := c.Watch(ctx, 0, "/registry/dispatch/", nil)
		if err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer w.Stop()
			for n := 0; n < b.N; n++ {
				ev, ok := <-w.Events()
				if !ok {
					b.Errorf("watch ended after %d events: %v", n, w.Err())
					return
				}
				_ = ev.Frame()
			}
		}()
	}
	val := cmValue(b, "x", nil, "v")
	b.ResetTimer()
	for i := range b.N {
		c.apply([]storage.Event{{Type: storage.EventPut, Key: "/registry/dispatch/default/x", Value: val, Revision: int64(i + 1)}})
		if i%200 == 199 {
			// Let the readers keep up, as paced writes would.
			time.Sleep(time.Millisecond)
		}
	}
	wg.Wait()
}
