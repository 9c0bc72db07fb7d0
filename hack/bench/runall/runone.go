package runall

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/wharfhq/wharf/hack/bench/table"
)

// runOne runs benchmark s from the repository root, its standard output
// and standard error both going to logPath (standard error also to ours,
// for progress), and returns the rows parsed from its standard output.
func runOne(ctx context.Context, root string, s table.Spec, small bool, logPath string) ([]table.Row, error) {
	args := s.Full
	if small {
		args = s.Small
	}
	argv := append(append([]string{}, s.Cmd...), args...)
	if strings.Contains(argv[0], "/") { // a script in the repository, not a tool on PATH
		argv[0] = filepath.Join(root, argv[0])
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	fmt.Fprintf(os.Stderr, "==> %s: %s\n", s.Name, strings.Join(argv, " "))
	var stdout bytes.Buffer
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = root
	cmd.Env = os.Environ()
	if small {
		cmd.Env = append(cmd.Env, s.SmallEnv...)
	}
	cmd.Stdout = io.MultiWriter(&stdout, logf)
	cmd.Stderr = io.MultiWriter(os.Stderr, logf)
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	err = cmd.Run()
	fmt.Fprintf(os.Stderr, "==> %s: done in %v (%v)\n", s.Name, time.Since(start).Round(time.Second), errOrOK(err))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	return s.Parse(stdout.String())
}

func errOrOK(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}
