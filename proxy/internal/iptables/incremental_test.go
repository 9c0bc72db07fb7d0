package iptables

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/wharfhq/wharf/proxy/internal/netnstest"
	"github.com/wharfhq/wharf/proxy/internal/rules"
)

func TestIncrementalLegacy(t *testing.T) { testIncremental(t, Legacy) }
func TestIncrementalNFT(t *testing.T)    { testIncremental(t, NFT) }

// manyServices is n service ports with 5 endpoints each: at 60 and more an
// nft sync of them needs several batches.
func manyServices(n int) []rules.ServicePort {
	out := make([]rules.ServicePort, n)
	for i := range out {
		out[i] = rules.ServicePort{Namespace: "default", Name: fmt.Sprintf("svc-%03d", i), Protocol: rules.TCP,
			ClusterIP: fmt.Sprintf("10.96.1.%d", i+1), Port: 80}
		for j := range 5 {
			out[i].Endpoints = append(out[i].Endpoints,
				rules.Endpoint{IP: fmt.Sprintf("10.244.%d.%d", j, i+1), Port: 8080, Ready: true, Serving: true})
		}
	}
	return out
}

// testIncremental adds, removes and adds services again with incremental
// syncs (one Renderer, as the proxy), then checks that the kernel's
// tables equal what a full resync of the same ruleset makes, and that
// every service has exactly one jump from KUBE-SERVICES.
func testIncremental(t *testing.T, mode Mode) {
	if !netnstest.Reexec(t, "wharf-pt-ipt-inc-"+string(mode)) {
		return
	}
	ctx := context.Background()
	s, err := New(ctx, Config{Mode: mode})
	if err != nil {
		t.Fatal(err)
	}
	all := manyServices(130)
	r := rules.NewRenderer()
	var rs *rules.Ruleset
	for step, n := range []int{100, 101, 104, 100, 130, 129} {
		snap := &rules.Snapshot{ClusterCIDR: "10.244.0.0/16", Services: all[:n]}
		rs = r.Compute(snap)
		res, err := s.Sync(ctx, rs)
		if err != nil || res.Full != (step == 0) {
			t.Fatalf("step %d: %+v %v", step, res, err)
		}
		checkJumps(t, mode, snap.Services)
	}
	incremental := chainsOf(save(t, mode))
	s.Invalidate()
	if res, err := s.Sync(ctx, r.Compute(&rules.Snapshot{ClusterCIDR: "10.244.0.0/16", Services: all[:129]})); err != nil || !res.Full {
		t.Fatalf("full resync: %+v %v", res, err)
	}
	if full := chainsOf(save(t, mode)); !equalChains(incremental, full) {
		t.Errorf("incremental syncs left tables a full sync changes:\nincremental:\n%v\nfull:\n%v", incremental, full)
	}
	if err := s.Cleanup(ctx); err != nil {
		t.Fatal(err)
	}
}

// checkJumps checks that nat KUBE-SERVICES jumps to every service's
// KUBE-SVC chain once, in order, and ends with the KUBE-NODEPORTS jump.
func checkJumps(t *testing.T, mode Mode, svcs []rules.ServicePort) {
	t.Helper()
	jumps := chainsOf(save(t, mode))["nat "+rules.ChainServices]
	if len(jumps) != len(svcs)+1 || !strings.HasSuffix(jumps[len(jumps)-1], "-j "+rules.ChainNodePorts) {
		t.Fatalf("KUBE-SERVICES has %d rules, want %d ending in the NodePorts jump:\n%s", len(jumps), len(svcs)+1, strings.Join(jumps, "\n"))
	}
	for i := range svcs {
		if want := "-j " + rules.SVCChain(&svcs[i]); !strings.HasSuffix(jumps[i], want) {
			t.Fatalf("KUBE-SERVICES rule %d is %q, want a jump to %s", i, jumps[i], want)
		}
	}
}

// chainsOf maps "table chain" to the chain's rules, for our chains in save.
func chainsOf(save string) map[string][]string {
	out := map[string][]string{}
	table := ""
	for _, line := range strings.Split(save, "\n") {
		switch {
		case strings.HasPrefix(line, "*"):
			table = line[1:]
		case strings.HasPrefix(line, ":KUBE-"):
			name := strings.Fields(line[1:])[0]
			out[table+" "+name] = append(out[table+" "+name], []string{}...)
		case strings.HasPrefix(line, "-A KUBE-"):
			name, rule, _ := strings.Cut(line[3:], " ")
			out[table+" "+name] = append(out[table+" "+name], rule)
		}
	}
	return out
}

func equalChains(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !slices.Equal(v, w) {
			return false
		}
	}
	return true
}
