package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// latPrefix names the pods whose watch latency is measured.
const latPrefix = "lat-"

// NodeName is the spec.nodeName of pod i when pods are spread over nodes.
func NodeName(i, nodes int) string { return fmt.Sprintf("bench-node-%d", i%nodes) }

// Watchers is a set of open pod watches that timestamp every ADDED event of
// a lat-<i> pod.
type Watchers struct {
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	perNode  bool
	n        int
	mu       sync.Mutex
	samples  []sample
	received atomic.Int64
	failures atomic.Int64
	firstErr atomic.Value // error
}

type sample struct {
	idx int
	at  int64 // unix nanos
}

// OpenWatches opens n watches on pods from resourceVersion rv. With perNode
// watch i selects spec.nodeName=NodeName(i, n), the way kubelets watch; else
// every watch sees every pod. It returns once every watch has its response
// headers.
func OpenWatches(ctx context.Context, base, rv string, n int, perNode bool) (*Watchers, error) {
	wctx, cancel := context.WithCancel(context.Background())
	w := &Watchers{cancel: cancel, perNode: perNode, n: n}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	opened := make(chan error, n)
	for i := range n {
		q := url.Values{"watch": {"1"}, "resourceVersion": {rv}, "allowWatchBookmarks": {"true"}}
		if perNode {
			q.Set("fieldSelector", "spec.nodeName="+NodeName(i, n))
		}
		u := strings.TrimRight(base, "/") + "/api/v1/namespaces/" + Namespace + "/pods?" + q.Encode()
		w.wg.Go(func() { w.watch(wctx, hc, u, opened) })
	}
	timeout := time.After(time.Minute)
	for range n {
		select {
		case err := <-opened:
			if err != nil {
				w.Close()
				return nil, err
			}
		case <-timeout:
			w.Close()
			return nil, errors.New("bench: watches not open within a minute")
		case <-ctx.Done():
			w.Close()
			return nil, ctx.Err()
		}
	}
	return w, nil
}

// watch runs one watch until ctx ends, reporting once on opened.
func (w *Watchers) watch(ctx context.Context, hc *http.Client, u string, opened chan<- error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err == nil {
		req.Header.Set("Accept", "application/json")
	}
	var resp *http.Response
	if err == nil {
		resp, err = hc.Do(req)
	}
	if err == nil && resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		err = fmt.Errorf("status %s", resp.Status)
	}
	if err != nil {
		opened <- fmt.Errorf("bench: open watch: %w", err)
		return
	}
	opened <- nil
	defer resp.Body.Close()
	r := bufio.NewReaderSize(resp.Body, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			if ctx.Err() == nil {
				w.fail(fmt.Errorf("bench: watch ended: %w", err))
			}
			return
		}
		at := time.Now().UnixNano()
		if idx, ok := w.decode(line); ok {
			w.mu.Lock()
			w.samples = append(w.samples, sample{idx: idx, at: at})
			w.mu.Unlock()
			w.received.Add(1)
		}
	}
}

type watchFrame struct {
	Type   string `json:"type"`
	Object struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Message string `json:"message"`
	} `json:"object"`
}

// decode returns the index of an ADDED lat-<i> pod.
func (w *Watchers) decode(line []byte) (int, bool) {
	var f watchFrame
	if err := json.Unmarshal(line, &f); err != nil {
		w.fail(fmt.Errorf("bench: bad watch frame %.200q: %w", line, err))
		return 0, false
	}
	if f.Type == "ERROR" {
		w.fail(fmt.Errorf("bench: watch error event: %s", f.Object.Message))
		return 0, false
	}
	name, ok := strings.CutPrefix(f.Object.Metadata.Name, latPrefix)
	if f.Type != "ADDED" || !ok {
		return 0, false
	}
	idx, err := strconv.Atoi(name)
	return idx, err == nil
}

func (w *Watchers) fail(err error) {
	w.failures.Add(1)
	w.firstErr.CompareAndSwap(nil, err)
}

// Close ends every watch.
func (w *Watchers) Close() {
	w.cancel()
	w.wg.Wait()
}

// LatencyResult is what Drive measured.
type LatencyResult struct {
	Latencies []time.Duration // sorted ascending
	Expected  int             // events that should have arrived
	Received  int
	Created   int
	Rate      float64 // creates/s achieved
	Failures  int     // broken watches, error events, failed creates
}

// Percentile returns the p-th percentile (0 < p <= 100) latency.
func (r LatencyResult) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.Latencies))*p/100+0.999999) - 1
	return r.Latencies[min(max(i, 0), len(r.Latencies)-1)]
}

// Drive creates count lat-<i> pods at rate per second from clients workers
// and waits (at most wait after the last create) for their watch events.
func (w *Watchers) Drive(ctx context.Context, c *Client, count, rate, clients int, wait time.Duration) (LatencyResult, error) {
	acks := make([]atomic.Int64, count)
	created, elapsed := pacedCreates(ctx, c, count, rate, clients, acks, w)
	res := LatencyResult{Created: created, Rate: float64(created) / elapsed.Seconds()}
	res.Expected = created
	if !w.perNode {
		res.Expected = created * w.n
	}
	deadline := time.Now().Add(wait)
	for w.received.Load() < int64(res.Expected) && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	w.mu.Lock()
	samples := slices.Clone(w.samples)
	w.mu.Unlock()
	res.Received = int(w.received.Load())
	res.Latencies = latencies(samples, acks)
	res.Failures = int(w.failures.Load())
	if err, _ := w.firstErr.Load().(error); err != nil {
		return res, err
	}
	return res, ctx.Err()
}

// latencies pairs each event with its create acknowledgement; an event
// that beat the acknowledgement counts as zero.
func latencies(samples []sample, acks []atomic.Int64) []time.Duration {
	out := make([]time.Duration, 0, len(samples))
	for _, s := range samples {
		if s.idx < 0 || s.idx >= len(acks) {
			continue
		}
		ack := acks[s.idx].Load()
		if ack == 0 {
			continue
		}
		out = append(out, time.Duration(max(s.at-ack, 0)))
	}
	slices.Sort(out)
	return out
}

// pacedCreates creates count pods at rate/s; acks[i] gets the time the
// create of pod i was acknowledged.
func pacedCreates(ctx context.Context, c *Client, count, rate, clients int, acks []atomic.Int64, w *Watchers) (int, time.Duration) {
	jobs := make(chan int, clients)
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for i := range jobs {
				node := ""
				if w.perNode {
					node = NodeName(i, w.n)
				}
				if err := c.CreatePod(ctx, PodJSON(latPrefix+strconv.Itoa(i), node)); err != nil {
					w.fail(err)
					continue
				}
				acks[i].Store(time.Now().UnixNano())
				ok.Add(1)
			}
		})
	}
	start := time.Now()
	interval := time.Second / time.Duration(max(rate, 1))
	for i := 0; i < count && ctx.Err() == nil; i++ {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return int(ok.Load()), time.Since(start)
}
