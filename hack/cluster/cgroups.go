package cluster

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"
)

// cgroupMount is where the host's cgroup file systems are mounted.
const cgroupMount = "/sys/fs/cgroup"

// cgroupParent is the cgroup node n's kubelet puts its pods under
// (--cgroup-root): one of its own, so that clusters running side by side
// (or a node and the host's own kubelet) share no cgroup.
func (c *Cluster) cgroupParent(n *node) string { return "/" + n.ns }

// cgroupDirs lists the directories of top-level cgroup name in every
// hierarchy: <mount>/name (cgroup v2) and <mount>/<controller>/name (v1).
func cgroupDirs(pattern string) []string {
	var out []string
	for _, p := range []string{filepath.Join(cgroupMount, pattern), filepath.Join(cgroupMount, "*", pattern)} {
		m, _ := filepath.Glob(p)
		out = append(out, m...)
	}
	return out
}

// removeCgroups removes the cgroup directories in dirs and every cgroup
// below them, deepest first; they must hold no process any more. A cgroup
// whose last process was just killed may stay busy for a moment, so it
// tries a few times.
func removeCgroups(dirs []string) error {
	var err error
	for range 20 {
		if err = removeCgroupsOnce(dirs); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

func removeCgroupsOnce(dirs []string) error {
	var errs []error
	for _, top := range dirs {
		var all []string
		_ = filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				all = append(all, p)
			}
			return nil
		})
		slices.Reverse(all) // WalkDir lists parents before children
		for _, d := range all {
			if err := syscall.Rmdir(d); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, fmt.Errorf("cluster: remove cgroup %s: %w", d, err))
			}
		}
	}
	return errors.Join(errs...)
}
