// Package gobuild builds Go binaries of this repository for tests and
// benchmarks that need a real executable (upstream kubectl, wharf-apiserver).
package gobuild

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// RepoRoot returns the directory holding go.work, found by asking the go
// command from the current directory.
func RepoRoot(ctx context.Context) (string, error) {
	out, err := goCmd(ctx, "", "env", "GOWORK")
	if err != nil {
		return "", err
	}
	work := strings.TrimSpace(out)
	if work == "" || work == "off" {
		return "", errors.New("gobuild: not inside the wharf go.work workspace")
	}
	return filepath.Dir(work), nil
}

// Build compiles the main package pkg (a path relative to the repository
// root, e.g. "./hack/tools/kubectl") into out. ldflags may be empty.
func Build(ctx context.Context, pkg, out, ldflags string) error {
	root, err := RepoRoot(ctx)
	if err != nil {
		return err
	}
	args := []string{"build", "-o", out}
	if ldflags != "" {
		args = append(args, "-ldflags", ldflags)
	}
	if _, err := goCmd(ctx, root, append(args, pkg)...); err != nil {
		return fmt.Errorf("gobuild: build %s: %w", pkg, err)
	}
	return nil
}

func goCmd(ctx context.Context, dir string, args ...string) (string, error) {
	bin := "go"
	if _, err := exec.LookPath(bin); err != nil {
		bin = "/usr/local/go/bin/go"
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}
