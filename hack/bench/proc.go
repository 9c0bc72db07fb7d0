package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// APIServer is a wharf-apiserver child process on 127.0.0.1 with its own
// data directory (embedded etcd).
type APIServer struct {
	cmd     *exec.Cmd
	done    chan error
	URL     string
	LogPath string
}

// StartAPIServer runs bin with a fresh data dir under workDir and waits until
// /readyz answers 200 (or ctx ends).
func StartAPIServer(ctx context.Context, bin, workDir string) (*APIServer, error) {
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(workDir, "apiserver.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(bin,
		"--bind-address", "127.0.0.1",
		"--port", strconv.Itoa(ports[0]),
		"--data-dir", filepath.Join(workDir, "data"))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start %s: %w", bin, err)
	}
	s := &APIServer{cmd: cmd, done: make(chan error, 1), URL: fmt.Sprintf("http://127.0.0.1:%d", ports[0]), LogPath: logPath}
	go func() { s.done <- cmd.Wait() }()
	if err := s.waitReady(ctx); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w (log: %s)", err, logPath)
	}
	return s, nil
}

func (s *APIServer) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/readyz", nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-s.done:
			s.done <- err
			return fmt.Errorf("bench: apiserver exited before ready: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("bench: apiserver not ready: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Stop sends SIGTERM, waits up to 10s, then kills the process.
func (s *APIServer) Stop() {
	if s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		s.done <- err
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
	}
}

// Memory is a process's resident set size now and at its peak.
type Memory struct {
	RSS, Peak int64 // bytes
}

// Memory reads VmRSS and VmHWM from /proc/<pid>/status.
func (s *APIServer) Memory() (Memory, error) {
	return readMemory(s.cmd.Process.Pid)
}

func readMemory(pid int) (Memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, fmt.Errorf("bench: %w", err)
	}
	defer f.Close()
	var m Memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("bench: parse %s %q: %w", key, val, err)
		}
		if key == "VmRSS" {
			m.RSS = kb << 10
		} else {
			m.Peak = kb << 10
		}
	}
	if err := sc.Err(); err != nil {
		return Memory{}, fmt.Errorf("bench: %w", err)
	}
	if m.RSS == 0 {
		return Memory{}, errors.New("bench: no VmRSS in /proc status")
	}
	return m, nil
}
