package nftables

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/wharfhq/wharf/proxy/internal/netnstest"
	"github.com/wharfhq/wharf/proxy/internal/nftables/plan"
	"github.com/wharfhq/wharf/proxy/internal/rules"
)

// nsPrefix starts the names of this package's network namespaces.
const nsPrefix = "wharf-pt-nft-"

func TestMain(m *testing.M) {
	if netnstest.Inside() == "" && os.Geteuid() == 0 {
		if err := netnstest.CleanLeftovers(nsPrefix); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(m.Run())
}

const (
	webIP   = "10.96.0.10"
	emptyIP = "10.96.0.11"
)

// trafficSnapshot is service web (cluster IP, NodePort 30080) over pods
// (1-based) and service empty without endpoints.
func trafficSnapshot(pods ...int) *rules.Snapshot {
	web := rules.ServicePort{Namespace: "default", Name: "web", Protocol: rules.TCP, ClusterIP: webIP, Port: 80, NodePort: 30080}
	for _, i := range pods {
		web.Endpoints = append(web.Endpoints, rules.Endpoint{IP: netnstest.PodIP(i), Port: 8080, Ready: true, Serving: true})
	}
	empty := rules.ServicePort{Namespace: "default", Name: "empty", Protocol: rules.TCP, ClusterIP: emptyIP, Port: 80}
	// As the apiserver's own service: an endpoint on loopback.
	kube := rules.ServicePort{Namespace: "default", Name: "kubernetes", Protocol: rules.TCP, ClusterIP: "10.96.0.1", Port: 443,
		Endpoints: []rules.Endpoint{{IP: "127.0.0.1", Port: 6443, Ready: true, Serving: true}}}
	return &rules.Snapshot{ClusterCIDR: "10.244.0.0/16", Services: []rules.ServicePort{empty, kube, web}}
}

// spread dials addr from ns n times and returns how often each answer (or
// "error: ...") came.
func spread(t *testing.T, ns, addr string, n int) map[string]int {
	t.Helper()
	got := map[string]int{}
	for range n {
		s, err := netnstest.DialIn(ns, addr)
		if err != nil {
			s = "error: " + err.Error()
		}
		got[s]++
	}
	return got
}

func listTable(t *testing.T) string {
	t.Helper()
	return netnstest.Must(t, "nft", "list", "table", "ip", TableName)
}

func TestSyncTraffic(t *testing.T) {
	if !netnstest.Reexec(t, nsPrefix+"traffic") {
		return
	}
	topo := netnstest.Topology{Prefix: nsPrefix, Tag: "tr", Pods: 3, Hairpin: true}
	client := topo.Build(t)
	ctx := context.Background()
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t.Cleanup(func() { _ = s.Cleanup(ctx) })
	g := plan.NewGenerator()
	if res, err := s.Sync(ctx, g.Generate(trafficSnapshot(1, 2, 3))); err != nil || !res.Full {
		t.Fatalf("first sync: %+v %v\n%s", res, err, listTable(t))
	}
	table := listTable(t)
	// The mark is host byte order in both the set and the match.
	for _, want := range []string{"meta mark | 0x00004000", "meta mark & 0x00004000 == 0x00000000 return",
		"ct status dnat ip saddr . ip daddr @hairpin masquerade fully-random"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	all := spread(t, client, webIP+":80", 60)
	if len(all) != 3 {
		t.Errorf("cluster IP: want all 3 pods, got %v\n%s", all, table)
	}
	if got := spread(t, client, netnstest.NodeIP+":30080", 5); len(got) == 0 {
		t.Error("NodePort: no answer")
	}
	if _, err := netnstest.DialIn(client, emptyIP+":80"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("service without endpoints: want connection refused, got %v", err)
	}
	// Loopback flows are not masqueraded although 127.0.0.1 is an endpoint.
	if peer := loopbackPeer(t); peer != "127.0.0.1" {
		t.Errorf("a loopback connection arrived from %s", peer)
	}
	// Hairpin: pod 1 reaches itself through the service only masqueraded.
	if got := spread(t, topo.PodNS(1), webIP+":80", 30); got["pod1"] == 0 {
		t.Errorf("hairpin: pod1 never reached itself through the service: %v", got)
	}

	res, err := s.Sync(ctx, g.Generate(trafficSnapshot(1, 2)))
	if err != nil || res.Full || res.Ports != 1 {
		t.Fatalf("incremental sync: %+v %v", res, err)
	}
	if got := spread(t, client, webIP+":80", 40); got["pod3"] > 0 || len(got) != 2 {
		t.Errorf("after removing pod3 want pod1 and pod2 only, got %v\n%s", got, listTable(t))
	}
	// A deleted table is noticed and rebuilt by the next sync.
	netnstest.Must(t, "nft", "delete", "table", "ip", TableName)
	if res, err := s.Sync(ctx, g.Generate(trafficSnapshot(1, 2))); err != nil || !res.Full {
		t.Fatalf("sync after the table was deleted: %+v %v", res, err)
	}
	if got := spread(t, client, webIP+":80", 20); got["pod3"] > 0 || len(got) != 2 {
		t.Errorf("after rebuilding the table want pod1 and pod2, got %v", got)
	}
	// A restarted syncer rewrites over the existing table.
	s2, err := New(Config{BatchPorts: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if res, err := s2.Sync(ctx, plan.Generate(trafficSnapshot(2))); err != nil || !res.Full || res.Txns < 2 {
		t.Fatalf("full sync over the table: %+v %v", res, err)
	}
	if got := spread(t, client, webIP+":80", 10); len(got) != 1 || got["pod2"] != 10 {
		t.Errorf("after a full sync to pod2 only, got %v\n%s", got, listTable(t))
	}
	// ClientIP affinity (lb-chains): every connection of the client goes
	// to the endpoint it first reached.
	sticky := trafficSnapshot(1, 2, 3)
	sticky.Services[2].AffinitySeconds = 600
	if _, err := s2.Sync(ctx, plan.Generate(sticky)); err != nil {
		t.Fatalf("affinity sync: %v", err)
	}
	if got := spread(t, client, webIP+":80", 15); len(got) != 1 {
		t.Errorf("affinity: want one pod, got %v\n%s", got, listTable(t))
	}
	if err := s2.Cleanup(ctx); err != nil {
		t.Fatal(err)
	}
	if out := netnstest.Must(t, "nft", "list", "tables"); strings.Contains(out, TableName) {
		t.Errorf("cleanup left the table: %s", out)
	}
	if err := exec.Command("nft", "list", "table", "ip", TableName).Run(); err == nil {
		t.Error("table still listed after cleanup")
	}
}

// loopbackPeer is the address a server on 127.0.0.1 sees a local client
// connect from.
func loopbackPeer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
			_, _ = c.Write([]byte(host))
			_ = c.Close()
		}
	}()
	got, err := netnstest.DialIn("", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestSyncTransitions changes services between layouts (affinity or not,
// NodePort or not, removed), incrementally and by a new Syncer's full sync
// over the old table, which must delete what referenced what in order.
func TestSyncTransitions(t *testing.T) {
	if !netnstest.Reexec(t, nsPrefix+"transitions") {
		return
	}
	ctx := context.Background()
	sticky := func(affinity int32, nodePort int32) *rules.Snapshot {
		sp := rules.ServicePort{Namespace: "ns", Name: "sticky", Protocol: rules.UDP, ClusterIP: "10.96.0.20", Port: 53,
			AffinitySeconds: affinity, NodePort: nodePort,
			Endpoints: []rules.Endpoint{{IP: "10.244.1.2", Port: 53, Ready: true}, {IP: "10.244.1.3", Port: 53, Ready: true}}}
		return &rules.Snapshot{ClusterCIDR: "10.244.0.0/16", Services: []rules.ServicePort{sp}}
	}
	empty := &rules.Snapshot{ClusterCIDR: "10.244.0.0/16"}
	steps := []*rules.Snapshot{sticky(60, 30053), sticky(0, 30053), sticky(60, 0), empty, sticky(60, 30053)}
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g := plan.NewGenerator()
	for i, snap := range steps {
		if _, err := s.Sync(ctx, g.Generate(snap)); err != nil {
			t.Fatalf("incremental step %d: %v\n%s", i, err, listTable(t))
		}
	}
	for i, snap := range []*rules.Snapshot{sticky(0, 0), sticky(60, 30053), empty} {
		fresh, err := New(Config{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := fresh.Sync(ctx, plan.Generate(snap))
		fresh.Close()
		if err != nil || !res.Full {
			t.Fatalf("full sync %d over the old table: %+v %v\n%s", i, res, err, listTable(t))
		}
	}
	if table := listTable(t); strings.Contains(table, "sep-") || strings.Contains(table, "svc-") || strings.Contains(table, "aff-") ||
		strings.Contains(table, "elements") {
		t.Errorf("per-service objects left after syncing no services:\n%s", table)
	}
}
