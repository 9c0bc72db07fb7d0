package bench

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/wharfhq/wharf/hack/bench/proc"
)

// APIServer is a wharf-apiserver child process on 127.0.0.1 with its own
// data directory (embedded etcd).
type APIServer struct {
	p       *proc.Process
	URL     string
	LogPath string
}

// StartAPIServer runs bin with a fresh data dir under workDir and waits until
// /readyz answers 200 (or ctx ends).
func StartAPIServer(ctx context.Context, bin, workDir string) (*APIServer, error) {
	port, err := proc.FreePort()
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	logPath := filepath.Join(workDir, "apiserver.log")
	cmd := exec.Command(bin,
		"--bind-address", "127.0.0.1",
		"--port", strconv.Itoa(port),
		"--data-dir", filepath.Join(workDir, "data"))
	p, err := proc.Start("apiserver", cmd, logPath)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	s := &APIServer{p: p, URL: fmt.Sprintf("http://127.0.0.1:%d", port), LogPath: logPath}
	if err := proc.WaitHTTP(ctx, p, s.URL+"/readyz", 2*time.Minute); err != nil {
		s.Stop()
		return nil, fmt.Errorf("bench: %w", err)
	}
	return s, nil
}

// Stop sends SIGTERM, waits up to 10s, then kills the process.
func (s *APIServer) Stop() { s.p.Stop(10 * time.Second) }

// Memory is a process's resident set size now and at its peak.
type Memory = proc.Memory

// Memory reads VmRSS and VmHWM from /proc/<pid>/status.
func (s *APIServer) Memory() (Memory, error) {
	return proc.ReadMemory(s.p.Pid())
}
