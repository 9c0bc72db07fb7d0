package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Namespace is where the benchmarks create pods.
const Namespace = "default"

// Client speaks JSON over plain HTTP to one apiserver.
type Client struct {
	base string
	http *http.Client
}

// NewClient returns a client for base (e.g. http://127.0.0.1:8080) whose
// connection pool fits conns concurrent requests.
func NewClient(base string, conns int) *Client {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute}
	return &Client{base: strings.TrimRight(base, "/"), http: &http.Client{Transport: tr}}
}

// Close drops idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// podPadding brings a pod's JSON to roughly 1 KiB, the value size of the raw
// etcd baseline.
var podPadding = strings.Repeat("p", 680)

// PodJSON is a small valid pod; node (may be empty) goes to spec.nodeName.
func PodJSON(name, node string) []byte {
	return fmt.Appendf(nil, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":%q,"namespace":%q,`+
		`"labels":{"app":"bench","tier":"load"},"annotations":{"bench/padding":%q}},`+
		`"spec":{"nodeName":%q,"containers":[{"name":"app","image":"registry.local/bench:1.0",`+
		`"ports":[{"containerPort":8080}],"resources":{"requests":{"cpu":"10m","memory":"16Mi"}}}]}}`,
		name, Namespace, podPadding, node)
}

// CreatePod POSTs one pod and expects 201 Created.
func (c *Client) CreatePod(ctx context.Context, body []byte) error {
	url := c.base + "/api/v1/namespaces/" + Namespace + "/pods"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("bench: create pod: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("bench: create pod: %s: %.300s", resp.Status, msg)
	}
	return nil
}

// CreatePods creates n pods named prefix-<i> from clients concurrent
// workers as fast as the server answers.
func (c *Client) CreatePods(ctx context.Context, prefix string, clients, n int) (Throughput, error) {
	var next, errs atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n) && ctx.Err() == nil; i = next.Add(1) - 1 {
				if err := c.CreatePod(ctx, PodJSON(fmt.Sprintf("%s-%d", prefix, i), "")); err != nil {
					errs.Add(1)
					once.Do(func() { firstErr = err })
				}
			}
		})
	}
	wg.Wait()
	t := Throughput{Ops: n, Errors: int(errs.Load()), Elapsed: time.Since(start)}
	if err := ctx.Err(); err != nil {
		return t, err
	}
	if firstErr != nil {
		return t, fmt.Errorf("bench: %d of %d creates failed, first: %w", t.Errors, n, firstErr)
	}
	return t, nil
}

// listMeta is the part of a list response the benchmarks read.
type listMeta struct {
	Metadata struct {
		ResourceVersion string `json:"resourceVersion"`
	} `json:"metadata"`
	Items []json.RawMessage `json:"items"`
}

// ListPods lists pods in Namespace with the given query (e.g.
// "resourceVersion=0") and returns the time until the whole body was read,
// the number of items and the list's resourceVersion.
func (c *Client) ListPods(ctx context.Context, query string) (time.Duration, int, string, error) {
	url := c.base + "/api/v1/namespaces/" + Namespace + "/pods?" + query
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, "", err
	}
	req.Header.Set("Accept", "application/json")
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, 0, "", fmt.Errorf("bench: list pods: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	took := time.Since(start)
	if err != nil {
		return 0, 0, "", fmt.Errorf("bench: list pods: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, 0, "", fmt.Errorf("bench: list pods: %s: %.300s", resp.Status, body)
	}
	var l listMeta
	if err := json.Unmarshal(body, &l); err != nil {
		return 0, 0, "", fmt.Errorf("bench: decode pod list: %w", err)
	}
	return took, len(l.Items), l.Metadata.ResourceVersion, nil
}
