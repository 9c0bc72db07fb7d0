package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharfhq/wharf/hack/internal/gobuild"
)

// Binary names the harness knows, with the package each is built from.
const (
	BinEtcd              = "etcd"
	BinAPIServer         = "wharf-apiserver"
	BinScheduler         = "wharf-scheduler"
	BinControllerManager = "wharf-controller-manager"
	BinKubelet           = "wharf-kubelet"
	BinProxy             = "wharf-proxy"
	BinFlannel           = "wharf-flannel"
	BinCLI               = "wharf"
)

var packages = map[string]string{
	BinEtcd:              "./hack/tools/etcd",
	BinAPIServer:         "./apiserver/cmd/wharf-apiserver",
	BinScheduler:         "./scheduler/cmd/wharf-scheduler",
	BinControllerManager: "./controller-manager/cmd/wharf-controller-manager",
	BinKubelet:           "./kubelet/cmd/wharf-kubelet",
	BinProxy:             "./proxy/cmd/wharf-proxy",
	BinFlannel:           "./flannel/cmd/wharf-flannel",
	BinCLI:               "./cli/cmd/wharf",
}

// Binaries is the result of building every component once.
type Binaries struct {
	Dir string
	// Missing maps a binary that cannot be used to the reason: it does not
	// build, or it is a placeholder that prints no usage for --help.
	Missing map[string]string
	// help is each usable binary's --help text.
	help map[string]string
}

// HasFlag reports whether binary name's --help lists --flag: the harness
// passes flags that components gained later only to builds that have them.
func (b *Binaries) HasFlag(name, flag string) bool {
	return strings.Contains(b.help[name], "--"+flag+" ") || strings.Contains(b.help[name], "--"+flag+"=")
}

// Path is the executable of name in b.Dir.
func (b *Binaries) Path(name string) string { return filepath.Join(b.Dir, name) }

// Has reports whether name built and looks like a real command.
func (b *Binaries) Has(name string) bool { _, bad := b.Missing[name]; return !bad }

// buildOnce caches the build for the whole test process: every Start in one
// `go test` run shares the binaries. It is the package's only shared state.
var buildOnce struct {
	sync.Mutex
	bins *Binaries
	err  error
}

// Build compiles every component into a per-process directory (once per
// test process) and probes each with --help. A binary that fails to build
// is recorded in Missing rather than failing the build, so a harness user
// can run what exists.
func Build(ctx context.Context) (*Binaries, error) {
	buildOnce.Lock()
	defer buildOnce.Unlock()
	if buildOnce.bins != nil || buildOnce.err != nil {
		return buildOnce.bins, buildOnce.err
	}
	buildOnce.bins, buildOnce.err = build(ctx, filepath.Join(os.TempDir(), fmt.Sprintf("%s%d-bin", prefix, os.Getpid())))
	return buildOnce.bins, buildOnce.err
}

// RemoveBinaries deletes what Build made in this process (a test
// package's TestMain calls it after m.Run, so nothing is left at exit); a
// later Build builds again.
func RemoveBinaries() error {
	buildOnce.Lock()
	defer buildOnce.Unlock()
	if buildOnce.bins == nil {
		return nil
	}
	err := os.RemoveAll(buildOnce.bins.Dir)
	buildOnce.bins, buildOnce.err = nil, nil
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	return nil
}

func build(ctx context.Context, dir string) (*Binaries, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	b := &Binaries{Dir: dir, Missing: map[string]string{}, help: map[string]string{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2) // the machine is shared: two builds at a time
	for name, pkg := range packages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			help, reason := buildOne(ctx, pkg, b.Path(name))
			mu.Lock()
			defer mu.Unlock()
			if reason != "" {
				b.Missing[name] = reason
			} else {
				b.help[name] = help
			}
		}()
	}
	wg.Wait()
	if !b.Has(BinEtcd) || !b.Has(BinAPIServer) {
		return nil, fmt.Errorf("cluster: cannot run a control plane: etcd: %q, apiserver: %q",
			b.Missing[BinEtcd], b.Missing[BinAPIServer])
	}
	return b, nil
}

// buildOne builds pkg into out and returns its --help text, or why it is
// unusable.
func buildOne(ctx context.Context, pkg, out string) (help, reason string) {
	if err := gobuild.Build(ctx, pkg, out, ""); err != nil {
		return "", "does not build: " + firstLines(err.Error(), 5)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var buf bytes.Buffer
	cmd := exec.CommandContext(ctx, out, "--help")
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	text := strings.ToLower(buf.String())
	if err != nil || !(strings.Contains(text, "usage") || strings.Contains(text, "--help")) {
		return "", fmt.Sprintf("placeholder: `%s --help` printed no usage (exit: %v)", filepath.Base(out), errOrOK(err))
	}
	return buf.String(), ""
}

func errOrOK(err error) string {
	if err == nil {
		return "0"
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.Error()
	}
	return err.Error()
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " | ")
}

// TestMain runs a test package whose tests start clusters and then
// removes the binaries they were built from; call it from the package's
// own TestMain.
func TestMain(m *testing.M) {
	code := m.Run()
	if err := RemoveBinaries(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}
