package app

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proxy/internal/netnstest"
	"github.com/wharfhq/wharf/proxy/internal/nftables"
)

// TestProxyNFTables is testProxy for --proxy-mode=nftables.
func TestProxyNFTables(t *testing.T) {
	if !netnstest.Reexec(t, nsPrefix+"nftables-node") {
		return
	}
	ctx := context.Background()
	cl := buildTopology(t, "nftables", 3)
	srv := apiservertest.Start(t)
	c, err := client.New(&client.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	createService(t, c, "web", "10.96.0.50", 30080, false)
	createService(t, c, "empty", "10.96.0.51", 30081, false)
	createService(t, c, "sticky", "10.96.0.52", 0, true)
	for _, name := range []string{"web", "sticky"} {
		if _, err := client.EndpointSlices(c, "default").Create(ctx, slice(name, 1, 2, 3), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	stop := startNFTProxy(t, srv.URL, false)
	web := "10.96.0.50:80"
	waitFor(t, "cluster IP from the node", func() error { _, err := dialIn("", web); return err })
	t.Run("cluster IP spreads evenly", func(t *testing.T) { spread(t, cl, web, 150, "pod1", "pod2", "pod3") })
	t.Run("node port from another netns", func(t *testing.T) { spread(t, cl, nodeIP+":30080", 30, "pod1", "pod2", "pod3") })
	t.Run("node port on localhost", func(t *testing.T) { spread(t, "", "127.0.0.1:30080", 30, "pod1", "pod2", "pod3") })
	t.Run("no endpoints is refused", func(t *testing.T) {
		for _, addr := range []string{"10.96.0.51:80", nodeIP + ":30081"} {
			for _, ns := range []string{cl, ""} {
				if _, err := dialIn(ns, addr); !errors.Is(err, syscall.ECONNREFUSED) {
					t.Errorf("%s from %q: want connection refused, got %v", addr, ns, err)
				}
			}
		}
	})
	t.Run("healthz and metrics", func(t *testing.T) {
		if err := healthy(); err != nil {
			t.Fatal(err)
		}
		body, err := get("http://127.0.0.1:10249/metrics")
		if want := `kubeproxy_sync_proxy_rules_iptables_total{table="` + nftables.TableName + `"}`; err != nil || !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s: %v\n%s", want, err, body)
		}
	})
	t.Run("session affinity pins", func(t *testing.T) {
		first, err := dialIn(cl, "10.96.0.52:80")
		if err != nil {
			t.Fatal(err)
		}
		spread(t, cl, "10.96.0.52:80", 20, first)
	})
	t.Run("removed endpoint gets no traffic", func(t *testing.T) { checkRemoval(t, c, cl, web) })
	stop()
	if err := startNFTProxy(t, srv.URL, true)(); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command("nft", "list", "table", "ip", nftables.TableName).Run(); err == nil {
		t.Error("--cleanup left table ip " + nftables.TableName)
	}
}

// startNFTProxy runs the nftables proxy in this (node) netns; stop ends it
// and returns its error. With cleanup, stop waits for it to finish.
func startNFTProxy(t *testing.T, url string, cleanup bool) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		errc <- Run(ctx, Options{
			Server: url, NodeName: "node1", ClusterCIDR: "10.244.0.0/16", ProxyMode: ProxyModeNFTables,
			MinSyncPeriod: 50 * time.Millisecond, SyncPeriod: time.Minute, Cleanup: cleanup,
			HealthzAddr: "127.0.0.1:10256", MetricsAddr: "127.0.0.1:10249",
			Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})),
		})
	}()
	var done bool
	var err error
	stop = func() error {
		if !done {
			done = true
			if !cleanup {
				cancel()
			}
			if err = <-errc; errors.Is(err, context.Canceled) {
				err = nil
			}
			cancel()
		}
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}
