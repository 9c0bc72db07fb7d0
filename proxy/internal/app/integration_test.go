package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proxy/internal/iptables"
	"github.com/wharfhq/wharf/proxy/internal/netnstest"
)

func TestMain(m *testing.M) {
	if netnstest.Inside() == "" && os.Geteuid() == 0 {
		if err := netnstest.CleanLeftovers(nsPrefix); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(m.Run())
}

func TestProxyNFT(t *testing.T)    { testProxy(t, iptables.NFT) }
func TestProxyLegacy(t *testing.T) { testProxy(t, iptables.Legacy) }

func testProxy(t *testing.T, mode iptables.Mode) {
	tag := string(mode)
	if !netnstest.Reexec(t, nsPrefix+tag+"-node") {
		return
	}
	ctx := context.Background()
	cl := buildTopology(t, tag, 3)
	addOthers(t)
	before := saveAll(t)

	url, c := startAPI(t)
	stop := startProxy(t, url, mode)
	checkServices(t, cl)
	t.Run("healthz and metrics", checkHTTP)
	t.Run("removed endpoint gets no traffic", func(t *testing.T) { checkRemoval(t, c, cl, webAddr) })
	t.Run("restart causes no failures", func(t *testing.T) {
		var restarted atomic.Bool
		done := make(chan error, 1)
		go func() {
			after := 0
			for i := 0; after < 20; i++ {
				if _, err := netnstest.DialIn(cl, webAddr); err != nil {
					done <- fmt.Errorf("connection %d: %w", i, err)
					return
				}
				if restarted.Load() {
					after++
				}
			}
			done <- nil
		}()
		stop()
		stop = startProxy(t, url, mode)
		waitFor(t, "the new proxy's first sync", func() error { return healthy() })
		restarted.Store(true)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
	stop()
	if err := Cleanup(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if after := saveAll(t); after != before {
		t.Errorf("--cleanup did not restore the tables:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// webAddr is the cluster IP and port of service web of startAPI.
const webAddr = "10.96.0.50:80"

// startAPI starts an apiserver holding the services checkServices reaches:
// web (node port 30080) and sticky (ClientIP affinity) over pods 1-3, and
// empty (node port 30081) without endpoints. It returns its URL and a
// client of it.
func startAPI(t *testing.T) (string, *client.Client) {
	t.Helper()
	srv := apiservertest.Start(t)
	c, err := client.New(&client.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	createService(t, c, "web", "10.96.0.50", 30080, false)
	createService(t, c, "empty", "10.96.0.51", 30081, false)
	createService(t, c, "sticky", "10.96.0.52", 0, true)
	for _, name := range []string{"web", "sticky"} {
		if _, err := client.EndpointSlices(c, "default").Create(context.Background(), slice(name, 1, 2, 3), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return srv.URL, c
}

// checkServices waits for the proxy's first rules and checks the services
// of startAPI from client netns cl and from the node.
func checkServices(t *testing.T, cl string) {
	t.Helper()
	all := []string{"pod1", "pod2", "pod3"}
	waitFor(t, "cluster IP from the node", func() error { _, err := netnstest.DialIn("", webAddr); return err })
	t.Run("cluster IP spreads evenly", func(t *testing.T) { spread(t, cl, webAddr, 150, all...) })
	t.Run("node port from another netns", func(t *testing.T) { spread(t, cl, netnstest.NodeIP+":30080", 30, all...) })
	t.Run("node port on localhost", func(t *testing.T) { spread(t, "", "127.0.0.1:30080", 30, all...) })
	t.Run("no endpoints is refused", func(t *testing.T) {
		for _, addr := range []string{"10.96.0.51:80", netnstest.NodeIP + ":30081"} {
			for _, ns := range []string{cl, ""} {
				if _, err := netnstest.DialIn(ns, addr); !errors.Is(err, syscall.ECONNREFUSED) {
					t.Errorf("%s from %q: want connection refused, got %v", addr, ns, err)
				}
			}
		}
	})
	t.Run("session affinity pins", func(t *testing.T) {
		first, err := netnstest.DialIn(cl, "10.96.0.52:80")
		if err != nil {
			t.Fatal(err)
		}
		spread(t, cl, "10.96.0.52:80", 20, first)
	})
}

func checkHTTP(t *testing.T) {
	if err := healthy(); err != nil {
		t.Fatal(err)
	}
	body, err := get("http://127.0.0.1:10249/metrics")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kubeproxy_sync_proxy_rules_duration_seconds_bucket", `kubeproxy_sync_proxy_rules_iptables_total{table="nat"}`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, body)
		}
	}
}

// checkRemoval drops pod3 from the web slice: it must stop getting traffic.
func checkRemoval(t *testing.T, c *client.Client, cl, web string) {
	ctx := context.Background()
	s, err := client.EndpointSlices(c, "default").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Endpoints = s.Endpoints[:2]
	if _, err := client.EndpointSlices(c, "default").Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "pod3 to leave", func() error {
		for range 20 {
			if name, _ := netnstest.DialIn(cl, web); name == "pod3" {
				return errors.New("pod3 still answers")
			}
		}
		return nil
	})
	spread(t, cl, web, 60, "pod1", "pod2")
}

func createService(t *testing.T, c *client.Client, name, ip string, nodePort int32, sticky bool) {
	t.Helper()
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name}, Spec: corev1.ServiceSpec{
		Type: corev1.ServiceTypeClusterIP, ClusterIP: ip, ClusterIPs: []string{ip},
		Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP, NodePort: nodePort}},
	}}
	if nodePort != 0 {
		svc.Spec.Type = corev1.ServiceTypeNodePort
	}
	if sticky {
		svc.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
	}
	got, err := client.Services(c, "default").Create(context.Background(), svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create service %s: %v", name, err)
	}
	if got.Spec.ClusterIP != ip || (nodePort != 0 && got.Spec.Ports[0].NodePort != nodePort) {
		t.Fatalf("service %s got %s/%d", name, got.Spec.ClusterIP, got.Spec.Ports[0].NodePort)
	}
}

func slice(svc string, pods ...int) *discoveryv1.EndpointSlice {
	port, proto, node := int32(8080), corev1.ProtocolTCP, "node1"
	s := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: "default", Name: svc, Labels: map[string]string{discoveryv1.LabelServiceName: svc}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: new(string), Port: &port, Protocol: &proto}},
	}
	for _, i := range pods {
		s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Addresses: []string{netnstest.PodIP(i)}, NodeName: &node})
	}
	return s
}

// startProxy runs the proxy in this (node) netns; stop ends it and waits.
func startProxy(t *testing.T, url string, mode iptables.Mode) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		errc <- Run(ctx, Options{
			Server: url, NodeName: "node1", ClusterCIDR: "10.244.0.0/16", IPTablesMode: string(mode),
			MinSyncPeriod: 50 * time.Millisecond, SyncPeriod: time.Minute,
			// Ports are per netns: these cannot clash with the host's.
			HealthzAddr: "127.0.0.1:10256", MetricsAddr: "127.0.0.1:10249",
			Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})),
		})
	}()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-errc; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("proxy: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// spread makes n connections to addr from netns ns; every answer must be
// one of want, and with several, each must get a fair share.
func spread(t *testing.T, ns, addr string, n int, want ...string) {
	t.Helper()
	counts := map[string]int{}
	for range n {
		name, err := netnstest.DialIn(ns, addr)
		if err != nil {
			t.Fatalf("%s from %q: %v (so far %v)", addr, ns, err, counts)
		}
		counts[name]++
	}
	least := 1
	if n >= 100 {
		least = n / len(want) / 2
	}
	for _, w := range want {
		if counts[w] < least {
			t.Errorf("%s: %s got %d of %d connections (%v), want >= %d", addr, w, counts[w], n, counts, least)
		}
		delete(counts, w)
	}
	if len(counts) > 0 {
		t.Errorf("%s: unexpected answers %v", addr, counts)
	}
	t.Logf("%s from %q: %d connections ok", addr, ns, n)
}

// addOthers puts someone else's chain and rule into both backends.
func addOthers(t *testing.T) {
	for _, m := range []iptables.Mode{iptables.Legacy, iptables.NFT} {
		netnstest.Must(t, m.Command(""), "-t", "nat", "-N", "OTHER")
		netnstest.Must(t, m.Command(""), "-t", "nat", "-A", "POSTROUTING", "-s", "10.99.0.0/16", "-j", "OTHER")
		netnstest.Must(t, m.Command(""), "-t", "filter", "-A", "FORWARD", "-s", "10.99.0.0/16", "-j", "ACCEPT")
	}
}

// saveAll is the user chains and rules of both backends' nat and filter
// tables (an empty table and a missing one look the same).
func saveAll(t *testing.T) string {
	var b strings.Builder
	for _, m := range []iptables.Mode{iptables.Legacy, iptables.NFT} {
		for _, table := range []string{"nat", "filter"} {
			out := netnstest.Must(t, m.Command("-save"), "-t", table)
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, "-") || strings.HasPrefix(line, ":") && strings.Contains(line, " - ") {
					fmt.Fprintf(&b, "%s %s: %s\n", m, table, line)
				}
			}
		}
	}
	return b.String()
}

func get(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("%s: %s: %s", url, resp.Status, b)
	}
	return string(b), nil
}

// healthy is nil when the proxy in this netns has synced recently.
func healthy() error {
	_, err := get("http://127.0.0.1:10256/healthz")
	return err
}
