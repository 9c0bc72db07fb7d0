package hack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// wharfPrefix is the module path prefix shared by every module of the
// repository.
const wharfPrefix = "github.com/wharfhq/wharf/"

// standaloneEnv is what a platform team building one component has: no
// workspace, and a go.mod the go command may read but never fix up. It
// overrides any -mod=mod in the caller's GOFLAGS.
var standaloneEnv = []string{"GOWORK=off", "GOFLAGS=-mod=readonly -buildvcs=false", "GOTOOLCHAIN=local"}

// TestModulesBuildStandalone checks that every module of go.work builds on
// its own: its go.mod requires each wharf module it imports (tests
// included) and replaces it with the in-repository directory, its go.sum is
// complete, and it selects the same k8s.io versions as the workspace, so a
// standalone build compiles what the workspace tests.
func TestModulesBuildStandalone(t *testing.T) {
	goBin := findGo(t)
	ctx := t.Context()
	root := repoRoot(ctx, t, goBin)
	dirs, err := workspaceModules(ctx, goBin, root)
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 2 {
		t.Fatalf("go.work lists %d modules, want all of the repository's", len(dirs))
	}
	wsVersions, err := buildList(ctx, goBin, root, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		rel, _ := filepath.Rel(root, dir)
		t.Run(rel, func(t *testing.T) {
			used, err := checkModule(t.Context(), goBin, root, dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, msg := range versionSkew(used, wsVersions) {
				t.Errorf("%s: %s (run `go work sync`, then `GOWORK=off go mod tidy` in %s)", rel, msg, rel)
			}
		})
	}
}

// TestCheckModuleRejectsMissingRequire proves checkModule can fail: a module
// importing proto without requiring it builds in the workspace but not alone.
func TestCheckModuleRejectsMissingRequire(t *testing.T) {
	goBin := findGo(t)
	ctx := t.Context()
	root := repoRoot(ctx, t, goBin)
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":  "module example.com/broken\n\ngo 1.26.8\n",
		"main.go": "package main\n\nimport _ \"" + wharfPrefix + "proto/client\"\n\nfunc main() {}\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := checkModule(ctx, goBin, root, dir); err == nil {
		t.Fatal("checkModule accepted a module that imports proto without requiring it")
	} else {
		t.Logf("rejected as expected: %v", err)
	}
}

// checkModule builds every package of the module in dir without the
// workspace, loads its test dependencies too (go build skips _test.go
// imports), and checks that wharf modules are replaced by directories of
// the repository rooted at root. It returns module path -> version of the
// modules that provide those packages.
func checkModule(ctx context.Context, goBin, root, dir string) (map[string]string, error) {
	if err := checkReplaces(ctx, goBin, root, dir); err != nil {
		return nil, err
	}
	if _, err := runGo(ctx, goBin, dir, standaloneEnv, "build", "./..."); err != nil {
		return nil, err
	}
	out, err := runGo(ctx, goBin, dir, standaloneEnv, "list", "-deps", "-test",
		"-f", "{{with .Module}}{{.Path}} {{.Version}}{{end}}", "./...")
	if err != nil {
		return nil, err
	}
	return parseVersions(out), nil
}

// checkReplaces checks that each wharf module the go.mod in dir requires is
// replaced by its directory under root.
func checkReplaces(ctx context.Context, goBin, root, dir string) error {
	var mod struct {
		Require []struct{ Path string }
		Replace []struct {
			Old, New struct{ Path, Version string }
		}
	}
	out, err := runGo(ctx, goBin, dir, standaloneEnv, "mod", "edit", "-json")
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(out), &mod); err != nil {
		return fmt.Errorf("parse go.mod of %s: %w", dir, err)
	}
	replaced := map[string]string{}
	for _, r := range mod.Replace {
		replaced[r.Old.Path] = r.New.Path
	}
	for _, r := range mod.Require {
		if !strings.HasPrefix(r.Path, wharfPrefix) {
			continue
		}
		target, ok := replaced[r.Path]
		want := filepath.Join(root, strings.TrimPrefix(r.Path, wharfPrefix))
		if !ok || filepath.Join(dir, target) != want {
			return fmt.Errorf("%s requires %s but does not replace it with %s", dir, r.Path, want)
		}
	}
	return nil
}

// versionSkew reports the Kubernetes modules (k8s.io/*, sigs.k8s.io/*) that
// a standalone build uses at another version than the workspace selects.
// Other modules may drift until the next `go work sync`; these may not, as
// the wire types must be the ones the workspace tests.
func versionSkew(used, workspace map[string]string) []string {
	var msgs []string
	for path, v := range used {
		if !strings.HasPrefix(path, "k8s.io/") && !strings.HasPrefix(path, "sigs.k8s.io/") {
			continue
		}
		if wv, ok := workspace[path]; ok && wv != v {
			msgs = append(msgs, fmt.Sprintf("builds with %s %s alone but %s in the workspace", path, v, wv))
		}
	}
	return msgs
}

// buildList returns module path -> selected version for `go list -m all`
// run in dir with the extra environment env.
func buildList(ctx context.Context, goBin, dir string, env []string) (map[string]string, error) {
	out, err := runGo(ctx, goBin, dir, env, "list", "-m", "-f", "{{.Path}} {{.Version}}", "all")
	if err != nil {
		return nil, err
	}
	return parseVersions(out), nil
}

// parseVersions parses "path version" lines, skipping modules without a
// version (the main and replaced-by-directory modules).
func parseVersions(out string) map[string]string {
	versions := map[string]string{}
	for line := range strings.Lines(out) {
		if path, v, ok := strings.Cut(strings.TrimSpace(line), " "); ok && v != "" {
			versions[path] = v
		}
	}
	return versions
}

// workspaceModules returns the absolute directories that go.work uses.
func workspaceModules(ctx context.Context, goBin, root string) ([]string, error) {
	out, err := runGo(ctx, goBin, root, nil, "work", "edit", "-json")
	if err != nil {
		return nil, err
	}
	var work struct{ Use []struct{ DiskPath string } }
	if err := json.Unmarshal([]byte(out), &work); err != nil {
		return nil, fmt.Errorf("parse go.work: %w", err)
	}
	dirs := make([]string, 0, len(work.Use))
	for _, u := range work.Use {
		dirs = append(dirs, filepath.Join(root, u.DiskPath))
	}
	return dirs, nil
}

// findGo returns the go command, skipping the test loudly when there is
// none: without a toolchain nothing can be checked.
func findGo(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/local/go/bin/go"); err == nil {
		return "/usr/local/go/bin/go"
	}
	t.Skip("SKIPPED: no go command on PATH or in /usr/local/go/bin; standalone module builds are NOT checked")
	return ""
}

// repoRoot returns the directory holding go.work.
func repoRoot(ctx context.Context, t *testing.T, goBin string) string {
	t.Helper()
	out, err := runGo(ctx, goBin, "", nil, "env", "GOWORK")
	if err != nil {
		t.Fatal(err)
	}
	work := strings.TrimSpace(out)
	if work == "" || work == "off" {
		t.Fatal("not inside the wharf go.work workspace")
	}
	return filepath.Dir(work)
}

// runGo runs the go command in dir with env appended to the process
// environment (later entries win) and returns its standard output.
func runGo(ctx context.Context, goBin, dir string, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("in %s: go %s: %w\n%s", dir, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

func TestVersionSkewReportsKubernetesModulesOnly(t *testing.T) {
	used := map[string]string{"k8s.io/api": "v0.36.0", "sigs.k8s.io/yaml": "v1.6.0", "golang.org/x/net": "v0.1.0"}
	ws := map[string]string{"k8s.io/api": "v0.37.2", "sigs.k8s.io/yaml": "v1.6.0", "golang.org/x/net": "v0.2.0"}
	msgs := versionSkew(used, ws)
	if len(msgs) != 1 || !strings.Contains(msgs[0], "k8s.io/api v0.36.0") {
		t.Fatalf("versionSkew = %q, want one message about k8s.io/api", msgs)
	}
}
