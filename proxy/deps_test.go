package proxy_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPureRules keeps the renderer pure: it must not import the iptables
// edge, the app or os/exec.
func TestPureRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./internal/rules").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case strings.HasPrefix(dep, "github.com/wharfhq/wharf/proxy/internal/") && dep != "github.com/wharfhq/wharf/proxy/internal/rules",
			dep == "os/exec", strings.Contains(dep, "go-iptables"):
			t.Errorf("internal/rules depends on %s", dep)
		}
	}
}

// TestPureNFTablesPlan keeps the nftables mode's generation and diffing
// pure: no netlink, no exec, no edge package, only the renderer's
// types from this module.
func TestPureNFTablesPlan(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./internal/nftables/plan").Output()
	if err != nil {
		t.Fatal(err)
	}
	const self = "github.com/wharfhq/wharf/proxy/internal/"
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case strings.HasPrefix(dep, self) && dep != self+"nftables/plan" && dep != self+"rules",
			dep == "os/exec", strings.Contains(dep, "netlink"), strings.Contains(dep, "google/nftables"),
			strings.HasPrefix(dep, "golang.org/x/sys"):
			t.Errorf("internal/nftables/plan depends on %s", dep)
		}
	}
}
