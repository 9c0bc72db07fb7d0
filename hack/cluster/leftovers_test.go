package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestOwnerAlive(t *testing.T) {
	dead := deadPID(t)
	for name, want := range map[string]bool{
		fmt.Sprintf("%s%d-1-n1", prefix, os.Getpid()): true,
		fmt.Sprintf("%s%d-bin", prefix, os.Getpid()):  true,
		fmt.Sprintf("%s%d-3", prefix, dead):           false,
		prefix + "notapid-1":                          true, // not ours to judge
		prefix + "-1":                                 true,
	} {
		if got := ownerAlive(name); got != want {
			t.Errorf("ownerAlive(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestDescendants(t *testing.T) {
	procs := map[int]procInfo{1: {}, 10: {ppid: 1}, 11: {ppid: 10}, 12: {ppid: 11}, 20: {ppid: 1}}
	got := descendants(map[int]bool{10: true}, procs)
	if len(got) != 3 || !got[10] || !got[11] || !got[12] {
		t.Errorf("descendants of 10 = %v", got)
	}
}

// TestCleanLeftovers fakes a crashed run (owner PID dead): a namespace
// with a process in it, a work dir with a mount and a process naming it.
// CleanLeftovers must remove all of it.
func TestCleanLeftovers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	name := fmt.Sprintf("%s%d-1", prefix, deadPID(t))
	ns, dir := name+"-n1", filepath.Join(os.TempDir(), name)
	ctx := context.Background()
	if err := ipCmd(ctx, "netns", "add", ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // if the test fails
		_ = removeAll(ctx, dir, []string{ns})
		_ = removeCgroups(cgroupDirs(ns))
	})
	mnt := filepath.Join(dir, "mnt")
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, ""); err != nil {
		t.Fatal(err)
	}
	inNS := exec.Command("nsenter", "--net="+netnsPath(ns), "--", "sleep", "300")
	named := exec.Command("sh", "-c", "sleep 300; : "+dir)
	for _, cmd := range []*exec.Cmd{inNS, named} {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { _ = cmd.Wait() }()
	}
	cg := filepath.Join(cgroupMount, "pids", ns, "pod-x")
	if err := os.MkdirAll(cg, 0o755); err != nil {
		t.Logf("no v1 pids cgroup to test with: %v", err)
		cg = ""
	}
	var logs []string
	CleanLeftovers(ctx, func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) })
	t.Logf("%s", strings.Join(logs, "\n"))
	if _, err := os.Stat(netnsPath(ns)); !os.IsNotExist(err) {
		t.Errorf("netns %s still exists", ns)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still exists", dir)
	}
	if cg != "" {
		if _, err := os.Stat(filepath.Dir(cg)); !os.IsNotExist(err) {
			t.Errorf("cgroup %s still exists", filepath.Dir(cg))
		}
	}
	for _, cmd := range []*exec.Cmd{inNS, named} {
		if !gone(cmd.Process.Pid) {
			t.Errorf("process %d (%v) survived", cmd.Process.Pid, cmd.Args)
		}
	}
}

// deadPID returns the PID of a process that has exited.
func deadPID(t *testing.T) int {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func gone(pid int) bool {
	for range 100 {
		if syscall.Kill(pid, 0) != nil || isZombie(pid) {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}
