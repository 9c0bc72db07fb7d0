package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"
)

// proc is one child process the harness started; it is stopped by PID.
type proc struct {
	name    string // e.g. "cp-1/wharf-scheduler"
	logPath string
	env     []string // extra environment, kept for a restart
	argv    []string // command line, kept for a restart
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has been reaped
	err     error         // exit status, valid after done
	stopped atomic.Bool   // the harness stopped it (an exit is expected)
}

// startProc runs argv with stdout and stderr appended to logPath. The child
// gets SIGKILL if the test process dies, so a crashed test leaves no
// control-plane processes behind.
func startProc(name, logPath string, env []string, argv ...string) (*proc, error) {
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cluster: start %s: %w", name, err)
	}
	p := &proc{name: name, logPath: logPath, env: env, argv: argv, cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	return p, nil
}

// pid is the process id.
func (p *proc) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM and, after grace, SIGKILL; it returns once reaped.
// A zero grace kills at once.
func (p *proc) stop(grace time.Duration) {
	p.stopped.Store(true)
	if p.exited() {
		return
	}
	if grace > 0 {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
			return
		case <-time.After(grace):
		}
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// crashed reports whether the process ended without the harness stopping it.
func (p *proc) crashed() bool { return p.exited() && !p.stopped.Load() }

// errExited says a process ended while the harness waited for it.
var errExited = errors.New("process exited")

// waitFor polls check every 200ms until it returns nil, ctx ends, or p
// exits (then the error names the log).
func waitFor(ctx context.Context, p *proc, what string, check func(context.Context) error) error {
	var last error
	for {
		if last = check(ctx); last == nil {
			return nil
		}
		if p != nil && p.exited() {
			return fmt.Errorf("cluster: %s: %w (%v); log %s:\n%s", p.name, errExited, p.err, p.logPath, tail(p.logPath, 15))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cluster: waiting for %s: %w (last: %v)", what, ctx.Err(), last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := splitLines(string(data))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	out := ""
	for _, l := range lines {
		out += "  " + l + "\n"
	}
	return out
}

func splitLines(s string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			lines = append(lines, s[start:i])
			start = i + 1
		}
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}
