package server

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkCreatePods creates pods over HTTP from 64 concurrent clients.
func BenchmarkCreatePods(b *testing.B) {
	e := newCachedEnv(b, 100)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var n atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	per := (b.N + 63) / 64
	for c := 0; c < 64; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				body := podJSON(fmt.Sprintf("bench-%d", n.Add(1)), `,"labels":{"app":"bench"}`)
				resp, err := client.Post(e.url+pods, "application/json", bytes.NewBufferString(body))
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 201 {
					b.Errorf("create: %d", resp.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "creates/s")
}

// BenchmarkListPodsFromCache lists 10,000 pods served by the watch cache.
func BenchmarkListPodsFromCache(b *testing.B) {
	e := newCachedEnv(b, 100)
	for i := 0; i < 10000; i++ {
		o := podJSON(fmt.Sprintf("p-%05d", i), `,"labels":{"app":"bench"}`)
		e.must(201, "POST", pods, o)
	}
	e.must(200, "GET", pods+"?limit=1", "")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := http.Get(e.url + pods + "?resourceVersion=0")
		if err != nil {
			b.Fatal(err)
		}
		nb, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || nb < 10000*100 {
			b.Fatalf("list: %d, %d bytes", resp.StatusCode, nb)
		}
	}
}
