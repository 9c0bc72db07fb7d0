package kubectl

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
	"github.com/wharfhq/wharf/hack/internal/gobuild"
)

// kubectlVersion is stamped into the binary so that `kubectl version`
// reports the k8s.io/kubectl release it was built from.
const kubectlVersion = "v1.37.2"

// cmdTimeout bounds one kubectl invocation; it turns a hang into a failure.
const cmdTimeout = 2 * time.Minute

// kubectlBin is the path of the binary TestMain built.
var kubectlBin string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "wharf-kubectl-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	kubectlBin = filepath.Join(dir, "kubectl")
	ldflags := fmt.Sprintf("-s -w -X k8s.io/client-go/pkg/version.gitVersion=%[1]s -X k8s.io/component-base/version.gitVersion=%[1]s", kubectlVersion)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if err := gobuild.Build(ctx, "./hack/tools/kubectl", kubectlBin, ldflags); err != nil {
		fmt.Fprintf(os.Stderr, "building kubectl from source: %v\n", err)
		return 1
	}
	return m.Run()
}

// kubectl runs one kubectl command against a server.
type kubectl struct {
	t          *testing.T
	kubeconfig string
	home       string
}

func newKubectl(t *testing.T, s *apiservertest.Server) *kubectl {
	return &kubectl{t: t, kubeconfig: s.Kubeconfig, home: t.TempDir()}
}

func (k *kubectl) cmd(ctx context.Context, args ...string) *exec.Cmd {
	full := append([]string{"--kubeconfig", k.kubeconfig, "--cache-dir", filepath.Join(k.home, "cache")}, args...)
	c := exec.CommandContext(ctx, kubectlBin, full...)
	c.Env = append(os.Environ(), "HOME="+k.home, "KUBECONFIG="+k.kubeconfig, "NO_COLOR=1")
	return c
}

// run runs kubectl and returns stdout, or stdout+stderr and the error.
func (k *kubectl) run(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(k.t.Context(), cmdTimeout)
	defer cancel()
	c := k.cmd(ctx, args...)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		return stdout.String() + stderr.String(), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// must runs kubectl and fails the test on error.
func (k *kubectl) must(args ...string) string {
	k.t.Helper()
	out, err := k.run(args...)
	if err != nil {
		k.t.Fatalf("%v\n%s", err, out)
	}
	return out
}

var columnSep = regexp.MustCompile(`\s{2,}`)

// table splits kubectl's tabular output into header columns and rows keyed
// by the first column.
func table(t *testing.T, out string) (header []string, rows map[string][]string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatalf("no table in output %q", out)
	}
	header = columnSep.Split(strings.TrimSpace(lines[0]), -1)
	rows = map[string][]string{}
	for _, l := range lines[1:] {
		f := columnSep.Split(strings.TrimSpace(l), -1)
		rows[f[0]] = f
	}
	return header, rows
}

func wantHeader(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s: columns %q, want %q", what, got, want)
	}
}

func wantContains(t *testing.T, what, out string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(out, s) {
			t.Fatalf("%s: output lacks %q:\n%s", what, s, out)
		}
	}
}

// writeFile copies testdata/name into dir, applying replacements old→new.
func writeFile(t *testing.T, dir, name string, replace ...string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer(replace...).Replace(string(data))
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// watchLines starts `kubectl args...` in the background and returns a
// channel of its stdout lines; the process is killed when the test ends.
func (k *kubectl) watchLines(args ...string) <-chan string {
	ctx, cancel := context.WithCancel(k.t.Context())
	c := k.cmd(ctx, args...)
	stdout, err := c.StdoutPipe()
	if err != nil {
		k.t.Fatal(err)
	}
	var stderr bytes.Buffer
	c.Stderr = &stderr
	if err := c.Start(); err != nil {
		k.t.Fatalf("start kubectl %v: %v", args, err)
	}
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	k.t.Cleanup(func() {
		cancel()
		_ = c.Wait()
		if k.t.Failed() && stderr.Len() > 0 {
			k.t.Logf("kubectl %v stderr: %s", args, stderr.String())
		}
	})
	return lines
}

// waitLine reads lines until one matches, failing after cmdTimeout.
func waitLine(t *testing.T, lines <-chan string, match func(string) bool, what string) string {
	t.Helper()
	timeout := time.After(cmdTimeout)
	var seen []string
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("%s: kubectl exited; it printed %q", what, seen)
			}
			seen = append(seen, l)
			if match(l) {
				return l
			}
		case <-timeout:
			t.Fatalf("%s: not seen within %v; got %q", what, cmdTimeout, seen)
		}
	}
}
