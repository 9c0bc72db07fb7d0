package app

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/wharfhq/wharf/proxy/internal/netnstest"
	"github.com/wharfhq/wharf/proxy/internal/nftables"
)

// TestProxyNFTables is testProxy for --proxy-mode=nftables.
func TestProxyNFTables(t *testing.T) {
	if !netnstest.Reexec(t, nsPrefix+"nftables-node") {
		return
	}
	cl := buildTopology(t, "nftables", 3)
	url, c := startAPI(t)
	stop := startNFTProxy(t, url, false)
	checkServices(t, cl)
	t.Run("healthz and metrics", func(t *testing.T) {
		if err := healthy(); err != nil {
			t.Fatal(err)
		}
		body, err := get("http://127.0.0.1:10249/metrics")
		if want := `kubeproxy_sync_proxy_rules_iptables_total{table="` + nftables.TableName + `"}`; err != nil || !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s: %v\n%s", want, err, body)
		}
	})
	t.Run("removed endpoint gets no traffic", func(t *testing.T) { checkRemoval(t, c, cl, webAddr) })
	stop()
	if err := startNFTProxy(t, url, true)(); err != nil {
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
