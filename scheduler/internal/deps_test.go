// Package internal_test holds the dependency rule of the scheduler module:
// the pure logic packages never import I/O edges.
package internal_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var logic = []string{"state", "filter", "score", "schedule", "cache", "queue"}

var forbidden = []string{
	"github.com/wharfhq/wharf/proto/client", "github.com/wharfhq/wharf/proto/informer",
	"github.com/wharfhq/wharf/proto/leaderelection", "github.com/wharfhq/wharf/scheduler/internal/app",
	"github.com/wharfhq/wharf/scheduler/internal/metrics", "net/http", "os/exec", "k8s.io/client-go",
}

func TestLogicImportsNoEdges(t *testing.T) {
	for _, pkg := range logic {
		files, err := filepath.Glob(filepath.Join(pkg, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("package %s: no files (%v)", pkg, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			checkFile(t, f)
		}
	}
}

func checkFile(t *testing.T, path string) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	af, err := parser.ParseFile(token.NewFileSet(), path, src, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range af.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		for _, bad := range forbidden {
			if p == bad || strings.HasPrefix(p, bad+"/") {
				t.Errorf("%s imports %s: logic packages must stay free of I/O edges", path, p)
			}
		}
	}
}
