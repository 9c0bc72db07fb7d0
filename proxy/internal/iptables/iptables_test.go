package iptables

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/wharfhq/wharf/proxy/internal/netnstest"
	"github.com/wharfhq/wharf/proxy/internal/rules"
)

func TestMain(m *testing.M) {
	if netnstest.Inside() == "" && os.Geteuid() == 0 {
		if err := netnstest.CleanLeftovers("wharf-pt-ipt-"); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(m.Run())
}

func snapshot(nEndpoints int) *rules.Snapshot {
	s := &rules.Snapshot{ClusterCIDR: "10.244.0.0/16"}
	for i := range 3 {
		sp := rules.ServicePort{Namespace: "default", Name: fmt.Sprintf("svc%d", i), Protocol: rules.TCP,
			ClusterIP: fmt.Sprintf("10.96.0.%d", 10+i), Port: 80, NodePort: int32(30080 + i), AffinitySeconds: int32(i * 100)}
		for j := range nEndpoints {
			sp.Endpoints = append(sp.Endpoints, rules.Endpoint{IP: fmt.Sprintf("10.244.1.%d", 2+j), Port: 8080, Ready: true, Serving: true})
		}
		s.Services = append(s.Services, sp)
	}
	s.Services = append(s.Services, rules.ServicePort{Namespace: "default", Name: "empty", Protocol: rules.UDP, ClusterIP: "10.96.0.99", Port: 53})
	return s
}

var counters = regexp.MustCompile(`\[\d+:\d+\]`)

// save is iptables-save of nat and filter without comments and counters.
func save(t *testing.T, m Mode) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"filter", "nat"} {
		out := netnstest.Must(t, m.Command("-save"), "-t", table)
		for _, line := range strings.Split(out, "\n") {
			if !strings.HasPrefix(line, "#") {
				b.WriteString(counters.ReplaceAllString(line, "") + "\n")
			}
		}
	}
	return b.String()
}

func TestSyncLegacy(t *testing.T) { testSync(t, Legacy) }
func TestSyncNFT(t *testing.T)    { testSync(t, NFT) }

func testSync(t *testing.T, mode Mode) {
	if !netnstest.Reexec(t, "wharf-pt-ipt-"+string(mode)) {
		return
	}
	ctx := context.Background()
	// Someone else's rules must survive everything we do.
	netnstest.Must(t, mode.Command(""), "-t", "nat", "-N", "OTHER")
	netnstest.Must(t, mode.Command(""), "-t", "nat", "-A", "POSTROUTING", "-j", "OTHER")
	before := save(t, mode)
	netnstest.Must(t, mode.Command(""), "-t", "nat", "-N", "KUBE-SEP-STALESTALESTALE")

	s, err := New(ctx, Config{Mode: mode})
	if err != nil {
		t.Fatal(err)
	}
	snap := snapshot(3)
	res, err := s.Sync(ctx, rules.Compute(snap))
	if err != nil || !res.Full {
		t.Fatalf("first sync: %+v %v", res, err)
	}
	got := save(t, mode)
	for _, want := range []string{"-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
		rules.SVCChain(&snap.Services[0]), "--dport 30081", "-A POSTROUTING -j OTHER", "-j REJECT"} {
		if !strings.Contains(got, want) {
			t.Errorf("after first sync, tables lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "STALE") {
		t.Error("stale chain survived the full sync")
	}
	// One endpoint fewer: only that service's chains change.
	gone := snap.Services[1].Endpoints[2]
	goneChain := rules.SEPChain(&snap.Services[1], &gone)
	snap2 := snapshot(3)
	snap2.Services[1].Endpoints = snap2.Services[1].Endpoints[:2]
	res, err = s.Sync(ctx, rules.Compute(snap2))
	if err != nil || res.Full || res.Bytes == 0 {
		t.Fatalf("incremental sync: %+v %v", res, err)
	}
	got = save(t, mode)
	if strings.Contains(got, goneChain) || !strings.Contains(got, rules.SEPChain(&snap.Services[0], &gone)) {
		t.Errorf("after incremental sync want %s gone and svc0's endpoint kept:\n%s", goneChain, got)
	}
	if err := s.Cleanup(ctx); err != nil {
		t.Fatal(err)
	}
	if after := save(t, mode); after != before {
		t.Errorf("cleanup did not restore the tables:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestRestoreErrorLine(t *testing.T) {
	if !netnstest.Reexec(t, "wharf-pt-ipt-err") {
		return
	}
	text := []byte("*nat\n:KUBE-X - [0:0]\n-A KUBE-X -j ACCEPT\n-A KUBE-X -m nosuchmatch --foo -j ACCEPT\nCOMMIT\n")
	_, err := restore(context.Background(), RunCommand, Legacy, bytes.NewReader(text))
	var re *RestoreError
	if !errors.As(err, &re) || re.Line != 4 || !strings.Contains(re.Rule, "nosuchmatch") {
		t.Fatalf("want error blaming line 4, got %v", err)
	}
}

func TestDetect(t *testing.T) {
	fake := func(saves map[string]string) Exec {
		return func(_ context.Context, _ io.Reader, name string, _ ...string) ([]byte, error) {
			out, ok := saves[name]
			if !ok {
				return nil, errors.New("not found")
			}
			return []byte(out), nil
		}
	}
	many := strings.Repeat("-A X -j ACCEPT\n", 12)
	tests := []struct {
		name  string
		saves map[string]string
		want  Mode
	}{
		{"hint in nft", map[string]string{"iptables-nft-save": ":KUBE-IPTABLES-HINT - [0:0]\n", "iptables-legacy-save": many}, NFT},
		{"hint in legacy", map[string]string{"iptables-nft-save": "", "iptables-legacy-save": ":KUBE-KUBELET-CANARY - [0:0]\n"}, Legacy},
		{"legacy has many rules", map[string]string{"iptables-nft-save": many + many, "iptables-legacy-save": many}, Legacy},
		{"empty both", map[string]string{"iptables-nft-save": "", "iptables-legacy-save": ""}, NFT},
		{"nft has more", map[string]string{"iptables-nft-save": "-A X\n-A Y\n", "iptables-legacy-save": "-A X\n"}, NFT},
		{"only legacy", map[string]string{"iptables-legacy-save": ""}, Legacy},
	}
	for _, tc := range tests {
		got, err := Detect(context.Background(), fake(tc.saves))
		if err != nil || got != tc.want {
			t.Errorf("%s: Detect = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	if _, err := Detect(context.Background(), fake(nil)); err == nil {
		t.Error("Detect with no backend must fail")
	}
	if _, err := ParseMode("bogus"); err == nil {
		t.Error("ParseMode(bogus) must fail")
	}
}

// TestDetectStreamed runs the real -save binaries (Detect with a nil
// Exec) in a fresh namespace.
func TestDetectStreamed(t *testing.T) {
	if !netnstest.Reexec(t, "wharf-pt-ipt-detect") {
		return
	}
	ctx := context.Background()
	detect := func(want Mode) {
		t.Helper()
		if got, err := Detect(ctx, nil); err != nil || got != want {
			t.Fatalf("Detect = %q, %v; want %q", got, err, want)
		}
	}
	detect(NFT) // both empty
	netnstest.Must(t, Legacy.Command(""), "-t", "filter", "-N", "X")
	for range 12 {
		netnstest.Must(t, Legacy.Command(""), "-t", "filter", "-A", "X", "-j", "ACCEPT")
	}
	detect(Legacy) // legacy holds 10 rules or more
	netnstest.Must(t, NFT.Command(""), "-t", "mangle", "-N", "KUBE-IPTABLES-HINT")
	detect(NFT) // the hint wins
}
