package hack

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wharfhq/wharf/hack/internal/gobuild"
)

// allowedClientGo lists client-go packages that are plain libraries, not a
// client, and may be used by production code.
var allowedClientGo = map[string]string{
	"k8s.io/client-go/util/jsonpath": "the cli's -o jsonpath, identical to kubectl's",
	// The streaming protocols of exec/attach/port-forward (websocket
	// v5.channel.k8s.io with SPDY fallback, port-forward tunnelled in a
	// websocket) are kubectl's own client code; rest.Config only carries
	// the connection settings into them. Every other call of the cli goes
	// through proto/client.
	"k8s.io/client-go/tools/remotecommand": "the cli's exec and attach streams",
	"k8s.io/client-go/tools/portforward":   "the cli's port-forward streams",
	"k8s.io/client-go/transport/spdy":      "the cli's port-forward SPDY dialer",
	"k8s.io/client-go/rest":                "connection settings handed to the streaming clients above",
}

// TestClientLibrariesOnlyInTests checks that no non-test Go file in the
// repository imports k8s.io/client-go, and that only hack/tools/kubectl
// imports k8s.io/kubectl: Wharf's own code talks to the apiserver through
// proto/client, and upstream clients are there only to prove compatibility.
func TestClientLibrariesOnlyInTests(t *testing.T) {
	root, err := gobuild.RepoRoot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return nil // a file being written by someone else; the build reports it
		}
		checked++
		rel, _ := filepath.Rel(root, path)
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case allowedClientGo[p] != "":
			case p == "k8s.io/client-go" || strings.HasPrefix(p, "k8s.io/client-go/"):
				t.Errorf("%s imports %s: client-go is allowed only in _test.go files", rel, p)
			case strings.HasPrefix(p, "k8s.io/kubectl/") && filepath.Dir(rel) != filepath.Join("hack", "tools", "kubectl"):
				t.Errorf("%s imports %s: only hack/tools/kubectl may", rel, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("no Go files checked")
	}
}
