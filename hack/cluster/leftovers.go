package cluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CleanLeftovers removes what crashed earlier harness runs left behind:
// namespaces under /run/netns, cgroups and directories under os.TempDir()
// named wharf-ht-<pid>-… whose <pid> is no longer alive, with the processes
// inside them (identified by namespace membership or by the directory in
// their command line) and the mounts below them.
func CleanLeftovers(ctx context.Context, logf func(string, ...any)) {
	nss, _ := filepath.Glob(netnsPath(prefix + "*"))
	for _, p := range nss {
		ns := filepath.Base(p)
		if ownerAlive(ns) {
			continue
		}
		logf("cluster: removing leftover netns %s", ns)
		if err := removeAll(ctx, "", []string{ns}); err != nil {
			logf("cluster: %v", err)
		}
	}
	cleanStrays(logf)
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), prefix+"*"))
	for _, d := range dirs {
		if ownerAlive(filepath.Base(d)) {
			continue
		}
		logf("cluster: removing leftover %s", d)
		if err := removeAll(ctx, d, nil); err != nil {
			logf("cluster: %v", err)
		}
	}
	// Last: the processes in these cgroups are gone now.
	for _, cg := range cgroupDirs(prefix + "*") {
		if ownerAlive(filepath.Base(cg)) {
			continue
		}
		logf("cluster: removing leftover cgroup %s", cg)
		if err := removeCgroups([]string{cg}); err != nil {
			logf("cluster: %v", err)
		}
	}
}

// strayRE finds a harness directory in a command line or mount point,
// wherever TMPDIR pointed when it was made.
var strayRE = regexp.MustCompile(`/` + prefix + `(\d+)-[^/ ]*`)

// cleanStrays kills processes and unmounts mount points that name a
// harness directory of a dead run, even one under another TMPDIR (hack/
// test.sh removes its old work dirs but cannot unmount or kill).
func cleanStrays(logf func(string, ...any)) {
	dead := func(s string) bool {
		m := strayRE.FindString(s)
		return m != "" && !ownerAlive(strings.TrimPrefix(m, "/"))
	}
	roots := map[int]bool{}
	procs := listProcs()
	for pid, p := range procs {
		if pid != os.Getpid() && dead(p.cmdline) {
			roots[pid] = true
		}
	}
	if len(roots) > 0 {
		logf("cluster: killing %d leftover processes of dead runs", len(roots))
		killPIDs(descendants(roots, procs))
	}
	for _, mp := range mountPoints(func(mp string) bool { return dead(mp) }) {
		logf("cluster: unmounting leftover %s", mp)
		_ = syscall.Unmount(mp, syscall.MNT_DETACH)
	}
}

// ownerAlive reports whether the test process named in wharf-ht-<pid>-…
// still runs (unparseable names count as alive: not ours to remove).
func ownerAlive(name string) bool {
	rest := strings.TrimPrefix(name, prefix)
	pidStr, _, _ := strings.Cut(rest, "-")
	pid, err := strconv.Atoi(pidStr)
	if err != nil || pid <= 0 {
		return true
	}
	if pid == os.Getpid() {
		return true
	}
	return syscall.Kill(pid, 0) == nil || errors.Is(syscall.Kill(pid, 0), syscall.EPERM)
}

// removeAll kills the processes in nss and below dir, unmounts what is
// mounted below dir, deletes the namespaces and then dir.
func removeAll(ctx context.Context, dir string, nss []string) error {
	for _, ns := range nss {
		killTree(ctx, dir, ns)
	}
	if len(nss) == 0 && dir != "" {
		killTree(ctx, dir, "")
	}
	var errs []error
	if dir != "" {
		errs = append(errs, unmountBelow(dir))
	}
	for _, ns := range nss {
		if _, err := os.Stat(netnsPath(ns)); err == nil {
			errs = append(errs, ipCmd(ctx, "netns", "del", ns))
		}
	}
	if dir != "" {
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, fmt.Errorf("cluster: %w", err))
		}
	}
	return errors.Join(errs...)
}

// killTree SIGKILLs every process in namespace ns (if not ""), every
// process whose command line mentions dir (if not ""), e.g. containerd
// shims, and all their descendants, then waits until they are gone.
func killTree(ctx context.Context, dir, ns string) {
	roots := map[int]bool{}
	if ns != "" {
		if out, err := exec.CommandContext(ctx, "ip", "netns", "pids", ns).Output(); err == nil {
			for _, f := range strings.Fields(string(out)) {
				if pid, err := strconv.Atoi(f); err == nil {
					roots[pid] = true
				}
			}
		}
	}
	procs := listProcs()
	if dir != "" {
		for pid, p := range procs {
			if strings.Contains(p.cmdline, dir) {
				roots[pid] = true
			}
		}
	}
	delete(roots, os.Getpid())
	killPIDs(descendants(roots, procs))
}

// killPIDs SIGKILLs pids and waits (up to 2s each) until they are gone.
func killPIDs(all map[int]bool) {
	for pid := range all {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	for pid := range all {
		for i := 0; i < 100 && syscall.Kill(pid, 0) == nil && !isZombie(pid); i++ {
			time.Sleep(20 * time.Millisecond)
		}
	}
}

type procInfo struct {
	ppid    int
	cmdline string
}

func listProcs() map[int]procInfo {
	out := map[int]procInfo{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// Fields after the ")" closing the command name: state ppid ...
		i := strings.LastIndexByte(string(stat), ')')
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		out[pid] = procInfo{ppid: ppid, cmdline: strings.ReplaceAll(string(cmd), "\x00", " ")}
	}
	return out
}

func descendants(roots map[int]bool, procs map[int]procInfo) map[int]bool {
	all := map[int]bool{}
	for pid := range roots {
		all[pid] = true
	}
	for changed := true; changed; {
		changed = false
		for pid, p := range procs {
			if !all[pid] && all[p.ppid] {
				all[pid], changed = true, true
			}
		}
	}
	return all
}

func isZombie(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	i := strings.LastIndexByte(string(stat), ')')
	f := strings.Fields(string(stat[i+1:]))
	return len(f) > 0 && f[0] == "Z"
}

// mountPoints lists the mount points that match, deepest first.
func mountPoints(match func(string) bool) []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var points []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 {
			if mp := unescapeMount(fields[4]); match(mp) {
				points = append(points, mp)
			}
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(points)))
	return points
}

// unmountBelow lazily unmounts every mount point below dir, deepest first.
func unmountBelow(dir string) error {
	points := mountPoints(func(mp string) bool { return mp == dir || strings.HasPrefix(mp, dir+"/") })
	var errs []error
	for _, mp := range points {
		if err := syscall.Unmount(mp, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) {
			errs = append(errs, fmt.Errorf("cluster: unmount %s: %w", mp, err))
		}
	}
	return errors.Join(errs...)
}

func unescapeMount(s string) string {
	return strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`).Replace(s)
}
