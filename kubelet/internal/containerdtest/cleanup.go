package containerdtest

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wharfhq/wharf/kubelet/internal/network"
	"golang.org/x/sys/unix"
)

// Cleanup removes what earlier runs left behind when their test process is
// gone: containerd and shim processes (and the containers under those
// shims), mounts and directories under /tmp/wharf-kt-<pid>-*, and network
// namespaces /run/netns/wharf-kt-<pid>-*. Runs of live processes are left
// alone, so parallel test binaries do not disturb each other.
func Cleanup() {
	dirs, _ := filepath.Glob(filepath.Join("/tmp", Prefix+"*"))
	for _, dir := range dirs {
		if ownerAlive(filepath.Base(dir)) {
			continue
		}
		killDaemon(dir)
		cleanupDir(dir)
	}
	nss, _ := filepath.Glob(filepath.Join("/run/netns", Prefix+"*"))
	for _, ns := range nss {
		if !ownerAlive(filepath.Base(ns)) {
			_ = network.DeleteNetNS(ns)
		}
	}
	cleanupCgroups()
}

// ownerAlive parses wharf-kt-<pid>-<n> and reports whether pid lives.
// Names that do not parse (e.g. the images dir) count as alive.
func ownerAlive(name string) bool {
	parts := strings.Split(strings.TrimPrefix(name, Prefix), "-")
	pid, err := strconv.Atoi(parts[0])
	if len(parts) != 2 || err != nil {
		return true
	}
	return pidAlive(pid)
}

// killDaemon kills the containerd recorded in dir/pid and every process
// whose command line names dir (shims), with their children first.
func killDaemon(dir string) {
	if data, err := os.ReadFile(filepath.Join(dir, "pid")); err == nil {
		if f := strings.Fields(string(data)); len(f) > 0 {
			if pid, err := strconv.Atoi(f[0]); err == nil && strings.Contains(cmdline(pid), "containerd") {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		pid, _ := strconv.Atoi(filepath.Base(p))
		if !strings.Contains(cmdline(pid), dir+"/") {
			continue
		}
		for _, child := range children(pid) {
			_ = syscall.Kill(child, syscall.SIGKILL)
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
		waitGone(pid, 2*time.Second)
	}
}

// cleanupDir unmounts everything below dir, deepest first, and removes it.
func cleanupDir(dir string) {
	for _, m := range mountsUnder(dir) {
		_ = unix.Unmount(m, unix.MNT_DETACH)
	}
	_ = os.RemoveAll(dir)
}

func mountsUnder(dir string) []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], dir+"/") {
			out = append(out, fields[4])
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

func cmdline(pid int) string {
	data, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return strings.ReplaceAll(string(data), "\x00", " ")
}

// children lists the direct children of pid.
func children(pid int) []int {
	var out []int
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range procs {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			c, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			out = append(out, c)
		}
	}
	return out
}
