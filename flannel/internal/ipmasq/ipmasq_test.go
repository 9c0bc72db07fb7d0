package ipmasq

import (
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
	"testing"

	"github.com/coreos/go-iptables/iptables"

	"github.com/wharfhq/wharf/flannel/internal/netnstest"
)

func TestRulesLeavePodToPodAlone(t *testing.T) {
	rules := Rules(netip.MustParsePrefix("10.244.0.0/16"), netip.MustParsePrefix("10.244.1.0/24"))
	first := strings.Join(rules[0], " ")
	if first != "-s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment flanneld-masq -j RETURN" {
		t.Fatalf("first rule = %q, want the pod-to-pod RETURN", first)
	}
	for _, r := range rules {
		if r[len(r)-1] == "--random-fully" && r[len(r)-2] != "MASQUERADE" {
			t.Fatalf("malformed rule %v", r)
		}
	}
}

// TestEnsureInNetns runs real iptables inside a namespace of its own.
func TestEnsureInNetns(t *testing.T) {
	netnstest.Skip(t)
	if _, err := exec.LookPath("iptables"); err != nil {
		t.Skip("needs iptables")
	}
	netnstest.CleanLeftovers(t, "ipm")
	ns := netnstest.Add(t, netnstest.Name("ipm", "nat"))
	rules := Rules(netip.MustParsePrefix("10.244.0.0/16"), netip.MustParsePrefix("10.244.1.0/24"))
	err := ns.Do(func() error {
		ipt, err := iptables.New()
		if err != nil {
			return err
		}
		if changed, err := Ensure(ipt, rules); err != nil || !changed {
			return fmt.Errorf("first Ensure = %v, %v; want a rewrite", changed, err)
		}
		if changed, err := Ensure(ipt, rules); err != nil || changed {
			return fmt.Errorf("second Ensure = %v, %v; want no change", changed, err)
		}
		if err := ipt.Append("nat", Chain, "-s", "1.2.3.4", "-j", "RETURN"); err != nil {
			return err
		}
		if changed, err := Ensure(ipt, rules); err != nil || !changed {
			return fmt.Errorf("Ensure after tampering = %v, %v; want a rewrite", changed, err)
		}
		post, err := ipt.List("nat", "POSTROUTING")
		if err != nil || strings.Count(strings.Join(post, "\n"), "-j "+Chain) != 1 {
			return fmt.Errorf("POSTROUTING = %v, %v; want one jump", post, err)
		}
		if err := Cleanup(ipt); err != nil {
			return err
		}
		if ok, _ := ipt.ChainExists("nat", Chain); ok {
			return fmt.Errorf("chain %s still exists after Cleanup", Chain)
		}
		if err := Cleanup(ipt); err != nil {
			return fmt.Errorf("second Cleanup: %w", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
