// Package kubelet_test holds module-wide checks.
package kubelet_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLogicDoesNotImportEdges keeps the pure packages free of containerd,
// netlink and namespaces (STYLE.md: logic never imports edges).
func TestLogicDoesNotImportEdges(t *testing.T) {
	logic := []string{"./internal/pods", "./internal/runtime", "./internal/ipam", "./internal/node"}
	edges := []string{"github.com/containerd/", "github.com/vishvananda/", "github.com/wharfhq/wharf/kubelet/internal/network", "github.com/wharfhq/wharf/kubelet/internal/runtime/containerd"}
	for _, pkg := range logic {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, e := range edges {
				if strings.HasPrefix(dep, e) {
					t.Errorf("%s imports %s", pkg, dep)
				}
			}
		}
	}
}
