package containerdtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wharfhq/wharf/kubelet/internal/cgroups"
)

// CgroupParent returns a cgroup parent for one test's pods,
// /wharf-kt-<pid>-<n>, removed with everything below it by t.Cleanup.
// Call it before Start so the removal runs after the daemon (and so every
// container) is gone; what a crashed run left is removed by Cleanup.
func CgroupParent(t testing.TB) string {
	t.Helper()
	Require(t)
	p := "/" + uniqueName()
	t.Cleanup(func() { removeCgroups(p) })
	return p
}

func removeCgroups(p string) {
	m, err := cgroups.NewManager(cgroups.Config{Parent: p})
	if err != nil {
		return
	}
	_ = m.Remove(p)
}

// cleanupCgroups removes /wharf-kt-<pid>-<n> cgroups of dead processes.
func cleanupCgroups() {
	dirs, _ := filepath.Glob(filepath.Join(cgroups.DefaultRoot, "*", Prefix+"*"))
	v2, _ := filepath.Glob(filepath.Join(cgroups.DefaultRoot, Prefix+"*"))
	seen := map[string]bool{}
	for _, d := range append(dirs, v2...) {
		name := filepath.Base(d)
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() || seen[name] || ownerAlive(name) {
			continue
		}
		seen[name] = true
		removeCgroups("/" + name)
	}
}
