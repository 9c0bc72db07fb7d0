package flannel_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLogicDoesNotImportEdges keeps the pure packages free of netlink,
// iptables, HTTP and the apiserver client (STYLE.md rule 2).
func TestLogicDoesNotImportEdges(t *testing.T) {
	pure := []string{"./internal/config", "./internal/kubesubnet", "./internal/overlay"}
	edges := []string{"github.com/vishvananda/netlink", "github.com/vishvananda/netns",
		"github.com/coreos/go-iptables", "github.com/wharfhq/wharf/proto/client",
		"github.com/wharfhq/wharf/flannel/internal/app"}
	for _, pkg := range pure {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, edge := range edges {
				if dep == edge || strings.HasPrefix(dep, edge+"/") {
					t.Errorf("%s imports edge package %s", pkg, dep)
				}
			}
		}
	}
}
