package images

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/wharfhq/wharf/hack/internal/gobuild"
)

// Image names as containerd stores them after an import.
const (
	HelloRef = "docker.io/library/hello:latest"
	// HelloOpenShiftRef is the seeds' name for the same image.
	HelloOpenShiftRef = "docker.io/openshift/hello-openshift:latest"
	ToolsRef          = "docker.io/library/tools:latest"
)

// epoch is the fixed mtime of every file in a layer, so builds are
// reproducible.
var epoch = time.Unix(0, 0).UTC()

// file is one entry of a layer: a regular file (Data), a directory (Dir) or a
// symlink (Link).
type file struct {
	Name string
	Mode int64
	Data []byte
	Dir  bool
	Link string
}

// Build writes hello.tar and tools.tar into outDir and returns their paths.
// It needs the go command (for hello) and Debian's busybox-static (for tools).
func Build(ctx context.Context, outDir string) ([]string, error) {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("images: %w", err)
	}
	hello, err := Hello(ctx, outDir)
	if err != nil {
		return nil, err
	}
	bb, err := BusyboxPath()
	if err != nil {
		return nil, err
	}
	tools, err := Tools(ctx, bb)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, b := range []struct {
		name string
		refs []string
		img  v1.Image
	}{{"hello", []string{HelloRef, HelloOpenShiftRef}, hello}, {"tools", []string{ToolsRef}, tools}} {
		p := filepath.Join(outDir, b.name+".tar")
		if err := WriteOCIFile(p, b.img, b.refs...); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// Hello builds ./hack/images/hello statically (in workDir) and returns the
// hello image: /hello as entrypoint, port 8080 exposed.
func Hello(ctx context.Context, workDir string) (v1.Image, error) {
	root, err := gobuild.RepoRoot(ctx)
	if err != nil {
		return nil, fmt.Errorf("images: %w", err)
	}
	bin := filepath.Join(workDir, "hello.bin")
	cmd := exec.CommandContext(ctx, goBinary(), "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./hack/images/hello")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("images: build hello: %w\n%s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, fmt.Errorf("images: %w", err)
	}
	files := []file{{Name: "hello", Mode: 0o755, Data: data}, {Name: "tmp", Mode: 0o1777, Dir: true}}
	cfg := v1.Config{
		Entrypoint:   []string{"/hello"},
		ExposedPorts: map[string]struct{}{"8080/tcp": {}},
		Env:          []string{"PATH=/"},
	}
	return newImage(files, cfg)
}

// Tools returns the tools image built around the static busybox binary at
// busybox: /bin/busybox plus one /bin symlink per applet it lists.
func Tools(ctx context.Context, busybox string) (v1.Image, error) {
	data, err := os.ReadFile(busybox)
	if err != nil {
		return nil, fmt.Errorf("images: %w", err)
	}
	out, err := exec.CommandContext(ctx, busybox, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("images: %s --list: %w", busybox, err)
	}
	files := []file{
		{Name: "bin", Mode: 0o755, Dir: true},
		{Name: "etc", Mode: 0o755, Dir: true},
		{Name: "tmp", Mode: 0o1777, Dir: true},
		{Name: "bin/busybox", Mode: 0o755, Data: data},
	}
	for _, applet := range strings.Fields(string(out)) {
		if applet == "busybox" || strings.Contains(applet, "/") {
			continue
		}
		files = append(files, file{Name: "bin/" + applet, Mode: 0o777, Link: "busybox"})
	}
	cfg := v1.Config{
		Cmd: []string{"sh"},
		Env: []string{"PATH=/bin:/sbin:/usr/bin:/usr/sbin"},
	}
	return newImage(files, cfg)
}

// BusyboxPath finds a statically linked busybox (Debian's busybox-static).
func BusyboxPath() (string, error) {
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		f, err := elf.Open(p)
		if err != nil {
			continue
		}
		static := true
		for _, prog := range f.Progs {
			if prog.Type == elf.PT_INTERP {
				static = false
			}
		}
		f.Close()
		if static {
			return p, nil
		}
	}
	return "", errors.New("images: no static busybox found; apt-get install busybox-static")
}

func newImage(files []file, cfg v1.Config) (v1.Image, error) {
	layerTar, err := tarFiles(files)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, fmt.Errorf("images: layer: %w", err)
	}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	img, err := mutate.AppendLayers(base, layer)
	if err != nil {
		return nil, fmt.Errorf("images: append layer: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("images: config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Config = "linux", runtime.GOARCH, cfg
	cf.Created = v1.Time{Time: epoch}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("images: set config: %w", err)
	}
	return img, nil
}

func tarFiles(files []file) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.Name, Mode: f.Mode, ModTime: epoch, Typeflag: tar.TypeReg, Size: int64(len(f.Data))}
		switch {
		case f.Dir:
			h.Typeflag, h.Name, h.Size = tar.TypeDir, f.Name+"/", 0
		case f.Link != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, f.Link, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("images: tar %s: %w", f.Name, err)
		}
		if _, err := tw.Write(f.Data); err != nil {
			return nil, fmt.Errorf("images: tar %s: %w", f.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("images: tar: %w", err)
	}
	return buf.Bytes(), nil
}

func goBinary() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}
