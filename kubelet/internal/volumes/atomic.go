package volumes

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// File is one file of a content volume.
type File struct {
	Data []byte
	Mode os.FileMode
}

const dataLink = "..data"

// checkPath rejects absolute paths and paths escaping the volume.
func checkPath(p string) error {
	if p == "" || filepath.IsAbs(p) {
		return fmt.Errorf("volume path %q must be relative", p)
	}
	for _, part := range strings.Split(p, "/") {
		if strings.HasPrefix(part, "..") {
			return fmt.Errorf("volume path %q must not contain '..' elements", p)
		}
	}
	return nil
}

// WriteAtomic makes dir hold exactly files (path -> content), as upstream's
// AtomicWriter does: the files live in a fresh hidden ..<timestamp>
// directory, ..data points at it and each top-level name is a symlink into
// ..data, so a reader never sees a half-written update. Nothing is
// written when the content is unchanged; changed reports whether it was.
func WriteAtomic(dir string, files map[string]File) (changed bool, err error) {
	for p := range files {
		if err := checkPath(p); err != nil {
			return false, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("volumes: %w", err)
	}
	old, _ := os.Readlink(filepath.Join(dir, dataLink))
	if old != "" && sameContent(filepath.Join(dir, old), files) {
		return false, nil
	}
	ts, err := os.MkdirTemp(dir, ".."+time.Now().UTC().Format("2006_01_02_15_04_05.")) // #nosec G301 -- chmod below
	if err != nil {
		return false, fmt.Errorf("volumes: %w", err)
	}
	if err := os.Chmod(ts, 0o755); err != nil {
		return false, fmt.Errorf("volumes: %w", err)
	}
	for p, f := range files {
		if err := writeFile(filepath.Join(ts, p), f); err != nil {
			return false, err
		}
	}
	tmp := filepath.Join(dir, dataLink+"_tmp")
	_ = os.Remove(tmp)
	if err := os.Symlink(filepath.Base(ts), tmp); err != nil {
		return false, fmt.Errorf("volumes: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, dataLink)); err != nil {
		return false, fmt.Errorf("volumes: swap %s: %w", dataLink, err)
	}
	if err := linkTopLevel(dir, files); err != nil {
		return false, err
	}
	if old != "" {
		if err := os.RemoveAll(filepath.Join(dir, old)); err != nil {
			return true, fmt.Errorf("volumes: remove old data: %w", err)
		}
	}
	return true, nil
}

func writeFile(path string, f File) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("volumes: %w", err)
	}
	if err := os.WriteFile(path, f.Data, f.Mode); err != nil {
		return fmt.Errorf("volumes: %w", err)
	}
	if err := os.Chmod(path, f.Mode); err != nil { // not subject to umask
		return fmt.Errorf("volumes: %w", err)
	}
	return nil
}

// linkTopLevel points each top-level name at ..data/<name> and removes
// links of names no longer present.
func linkTopLevel(dir string, files map[string]File) error {
	want := map[string]bool{}
	for p := range files {
		want[strings.SplitN(p, "/", 2)[0]] = true
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("volumes: %w", err)
	}
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, "..") && !want[n] && e.Type()&os.ModeSymlink != 0 {
			if err := os.Remove(filepath.Join(dir, n)); err != nil {
				return fmt.Errorf("volumes: %w", err)
			}
		}
	}
	for n := range want {
		link := filepath.Join(dir, n)
		if target, err := os.Readlink(link); err == nil && target == filepath.Join(dataLink, n) {
			continue
		}
		_ = os.Remove(link)
		if err := os.Symlink(filepath.Join(dataLink, n), link); err != nil {
			return fmt.Errorf("volumes: %w", err)
		}
	}
	return nil
}

// sameContent reports whether dir holds exactly files.
func sameContent(dir string, files map[string]File) bool {
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		f, ok := files[rel]
		if !ok {
			return errors.New("extra file")
		}
		info, err := d.Info()
		if err != nil || info.Mode().Perm() != f.Mode.Perm() {
			return errors.New("mode differs")
		}
		data, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(data, f.Data) {
			return errors.New("content differs")
		}
		n++
		return nil
	})
	return err == nil && n == len(files)
}
