package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wharfhq/wharf/hack/bench/proc"
)

// startProc starts cmd in its own process group and without Pdeathsig:
// that fires when the starting *thread* exits, and containerd is started
// from a discarded thread inside the netns.
func startProc(name string, cmd *exec.Cmd, logPath string) (*proc.Process, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return proc.Start(name, cmd, logPath)
}

// startContainerd runs a private containerd inside netns with its state in dir.
func startContainerd(dir, netns string) (*proc.Process, string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", err
	}
	sock := filepath.Join(dir, "c.sock")
	cfg := fmt.Sprintf("version = 2\nroot = %q\nstate = %q\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n[grpc]\n  address = %q\n[ttrpc]\n  address = %q\n",
		filepath.Join(dir, "root"), filepath.Join(dir, "state"), sock, sock+".ttrpc")
	cfgPath := filepath.Join(dir, "containerd.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return nil, "", err
	}
	var p *proc.Process
	err := inNetNS(netns, func() error {
		var err error
		p, err = startProc("containerd", exec.Command("containerd", "--config", cfgPath), filepath.Join(dir, "containerd.log"))
		return err
	})
	if err != nil {
		return nil, "", err
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			return p, sock, nil
		}
		if p.Exited() != nil {
			break
		}
	}
	p.Stop(time.Second)
	log, _ := os.ReadFile(filepath.Join(dir, "containerd.log"))
	return nil, "", fmt.Errorf("containerd did not start:\n%s", log)
}

// removeCgroups removes the cgroup tree p (as made by the kubelet) in
// every v1 hierarchy and on v2, deepest first.
func removeCgroups(p string) {
	dirs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", p))
	dirs = append(dirs, filepath.Join("/sys/fs/cgroup", p))
	for _, d := range dirs {
		rmTree(d)
	}
}

func rmTree(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() {
			rmTree(filepath.Join(dir, e.Name()))
		}
	}
	_ = os.Remove(dir)
}

func waitFor(ctx context.Context, what string, timeout time.Duration, f func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		ok, err := f()
		if ok {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("timed out waiting for %s (last error: %v)", what, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// killShims kills what a stopped containerd left behind: shims whose
// command line names dir, and their children (the containers' processes).
func killShims(dir string) {
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		pid, _ := strconv.Atoi(filepath.Base(p))
		cmdline, _ := os.ReadFile(p + "/cmdline")
		if !strings.Contains(string(cmdline), "containerd-shim") || !strings.Contains(string(cmdline), dir+"/") {
			continue
		}
		for _, child := range children(pid) {
			_ = syscall.Kill(child, syscall.SIGKILL)
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// children lists the direct children of pid.
func children(pid int) []int {
	var out []int
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		if f := strings.Fields(s[i+1:]); len(f) > 1 && f[1] == strconv.Itoa(pid) {
			c, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			out = append(out, c)
		}
	}
	return out
}
