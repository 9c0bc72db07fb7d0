package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/wharfhq/wharf/hack/bench"
	"github.com/wharfhq/wharf/hack/bench/proc"
	"github.com/wharfhq/wharf/proto/client"
)

// runCase runs in the case's netns: apiserver, objects, proxy, timings.
func runCase(ctx context.Context, o options) result {
	r := result{Mode: o.mode, Services: o.services}
	if err := measure(ctx, o, &r); err != nil {
		r.Err = err.Error()
	}
	return r
}

func measure(ctx context.Context, o options, r *result) error {
	dir, err := os.MkdirTemp("", "proxy-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, err := bench.StartAPIServer(ctx, o.apiserver, dir)
	if err != nil {
		return err
	}
	defer srv.Stop()
	c, err := client.New(&client.Config{Host: srv.URL, QPS: -1, Timeout: time.Minute})
	if err != nil {
		return err
	}
	start := time.Now()
	if err := createObjects(ctx, c, o.services, o.endpoints); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "    %s %d: created %d services and slices in %s\n", o.mode, o.services, o.services, time.Since(start).Round(time.Millisecond))
	p, err := startProxy(o, srv.URL, filepath.Join(dir, "proxy.log"))
	if err != nil {
		return err
	}
	defer p.stop()
	h, err := p.waitSynced(ctx, 0, 20*time.Minute)
	if err != nil {
		return fmt.Errorf("%w (log %s)", err, p.Log)
	}
	r.StartToSynced = h.lastUpdated.Sub(p.started)
	if r.StartCPU, err = p.cpuTime(); err != nil {
		return err
	}
	m, err := p.scrape()
	if err != nil {
		return err
	}
	r.FirstSync, r.Rules = m.durationSum, m.rules
	if err := timeChanges(ctx, c, p, o, r, m); err != nil {
		return err
	}
	mem, err := proc.ReadMemory(p.Pid())
	r.RSS, r.Peak = mem.RSS, mem.Peak
	if err == nil && o.heapDir != "" {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Pid())); err == nil {
			_ = os.WriteFile(filepath.Join(o.heapDir, fmt.Sprintf("%s-%d.status", o.mode, o.services)), b, 0o644)
		}
		err = saveHeap(filepath.Join(o.heapDir, fmt.Sprintf("%s-%d.heap", o.mode, o.services)))
	}
	if err != nil || !o.restart {
		return err
	}
	p.stop()
	return timeRestart(ctx, o, srv.URL, filepath.Join(dir, "proxy-restart.log"), r)
}

// timeRestart starts the proxy again over its own rules: its first sync is
// a full one into a populated table (as after a crash or an upgrade).
func timeRestart(ctx context.Context, o options, url, logPath string, r *result) error {
	p, err := startProxy(o, url, logPath)
	if err != nil {
		return err
	}
	defer p.stop()
	if _, err := p.waitSynced(ctx, 0, 20*time.Minute); err != nil {
		return fmt.Errorf("after restart: %w (log %s)", err, p.Log)
	}
	m, err := p.scrape()
	if err != nil {
		return err
	}
	r.RestartSync = m.durationSum
	mem, err := proc.ReadMemory(p.Pid())
	r.RestartPeak = mem.Peak
	return err
}

// timeChanges updates one EndpointSlice at a time and waits for the proxy
// to have synced it.
func timeChanges(ctx context.Context, c *client.Client, p *proxyProc, o options, r *result, m metricsSample) error {
	var lat, syncs []time.Duration
	cpu0, err := p.cpuTime()
	if err != nil {
		return err
	}
	for k := range o.changes {
		time.Sleep(1500 * time.Millisecond) // past --min-sync-period
		name := fmt.Sprintf("svc-%d", (k*7919)%o.services)
		s, err := client.EndpointSlices(c, "default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		s.Endpoints[0].Addresses = []string{fmt.Sprintf("10.99.%d.%d", k/250, k%250+1)}
		t0 := time.Now()
		s, err = client.EndpointSlices(c, "default").Update(ctx, s, metav1.UpdateOptions{})
		if err != nil {
			return err
		}
		var rv int64
		_, _ = fmt.Sscan(s.ResourceVersion, &rv)
		h, err := p.waitSynced(ctx, rv, time.Minute)
		if err != nil {
			return err
		}
		lat = append(lat, h.lastUpdated.Sub(t0))
		m2, err := p.scrape()
		if err != nil {
			return err
		}
		if m2.count > m.count {
			syncs = append(syncs, (m2.durationSum-m.durationSum)/time.Duration(m2.count-m.count))
		}
		m = m2
	}
	r.ChangeMedian, r.ChangeMax = median(lat), slices.Max(lat)
	r.ChangeSyncOnly = median(syncs)
	cpu1, err := p.cpuTime()
	r.ChangeCPU = (cpu1 - cpu0) / time.Duration(max(o.changes, 1))
	return err
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// createObjects makes n ClusterIP services (every tenth a NodePort) with one
// EndpointSlice of eps endpoints each, with 32 concurrent clients.
func createObjects(ctx context.Context, c *client.Client, n, eps int) error {
	work := make(chan int)
	errc := make(chan error, 32)
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := createOne(ctx, c, i, eps); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	var err error
loop:
	for i := range n {
		select {
		case work <- i:
		case err = <-errc:
			break loop
		}
	}
	close(work)
	wg.Wait()
	if err == nil && len(errc) > 0 {
		err = <-errc
	}
	return err
}

func createOne(ctx context.Context, c *client.Client, i, eps int) error {
	name := fmt.Sprintf("svc-%d", i)
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}, Spec: corev1.ServiceSpec{
		Type:  corev1.ServiceTypeClusterIP,
		Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}},
	}}
	if i%10 == 0 {
		svc.Spec.Type = corev1.ServiceTypeNodePort
	}
	if _, err := client.Services(c, "default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create service %s: %w", name, err)
	}
	port, proto, pname := int32(8080), corev1.ProtocolTCP, "http"
	s := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{discoveryv1.LabelServiceName: name}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: &pname, Port: &port, Protocol: &proto}},
	}
	for j := range eps {
		s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Addresses: []string{fmt.Sprintf("10.%d.%d.%d", 100+j, i/250, i%250+1)}})
	}
	if _, err := client.EndpointSlices(c, "default").Create(ctx, s, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create slice %s: %w", name, err)
	}
	return nil
}
