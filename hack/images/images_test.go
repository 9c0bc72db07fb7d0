package images

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// readTar returns the regular files of a tarball by name.
func readTar(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	files := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = data
	}
}

func TestBuildWritesImportableOCILayouts(t *testing.T) {
	if _, err := BusyboxPath(); err != nil {
		t.Skipf("SKIP LOUDLY: %v", err)
	}
	dir := t.TempDir()
	paths, err := Build(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	refs := []string{HelloRef, ToolsRef}
	for i, p := range paths {
		files := readTar(t, p)
		var index v1.IndexManifest
		if err := json.Unmarshal(files["index.json"], &index); err != nil {
			t.Fatalf("%s index.json: %v", p, err)
		}
		if len(index.Manifests) == 0 || index.Manifests[0].Annotations[AnnotationContainerdName] != refs[i] {
			t.Fatalf("%s: index %+v, want one manifest named %s", p, index, refs[i])
		}
		var m v1.Manifest
		if err := json.Unmarshal(files["blobs/sha256/"+index.Manifests[0].Digest.Hex], &m); err != nil {
			t.Fatalf("%s manifest: %v", p, err)
		}
		var cfg v1.ConfigFile
		if err := json.Unmarshal(files["blobs/sha256/"+m.Config.Digest.Hex], &cfg); err != nil {
			t.Fatalf("%s config: %v", p, err)
		}
		if cfg.OS != "linux" || cfg.Architecture != runtime.GOARCH {
			t.Errorf("%s: os/arch = %s/%s", p, cfg.OS, cfg.Architecture)
		}
		for _, l := range m.Layers {
			if _, ok := files["blobs/sha256/"+l.Digest.Hex]; !ok {
				t.Errorf("%s: layer %s missing", p, l.Digest)
			}
		}
	}
}

func TestHelloServerAnswers(t *testing.T) {
	dir := t.TempDir()
	if _, err := Hello(t.Context(), dir); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(filepath.Join(dir, "hello.bin"), "-listen", addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var body string
	for i := 0; i < 100; i++ {
		resp, err := http.Get("http://" + addr + "/")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if strings.TrimSpace(body) != "Hello OpenShift!" {
		t.Fatalf("body = %q", body)
	}
}
