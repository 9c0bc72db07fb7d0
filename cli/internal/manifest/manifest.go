// Package manifest reads the objects named by `-f` arguments: files,
// directories (their .json, .yaml and .yml files, optionally recursive) and
// "-" for standard input, in JSON or YAML, multi-document YAML streams and
// v1 List objects, flattened to one object per item in the order written.
package manifest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Object is one decoded manifest object and where it came from.
type Object struct {
	Source string // file name or "STDIN"
	Obj    *unstructured.Unstructured
}

// Read returns the objects of every source, in order. stdin is used for "-".
func Read(sources []string, recursive bool, stdin io.Reader) ([]Object, error) {
	var out []Object
	for _, src := range sources {
		objs, err := readSource(src, recursive, stdin)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

func readSource(src string, recursive bool, stdin io.Reader) ([]Object, error) {
	if src == "-" {
		return Decode("STDIN", stdin)
	}
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		return nil, fmt.Errorf("%s: reading manifests from URLs is not supported", src)
	}
	info, err := os.Stat(src)
	if err != nil {
		return nil, fmt.Errorf("the path %q does not exist", src)
	}
	if !info.IsDir() {
		return readFile(src)
	}
	files, err := manifestFiles(src, recursive)
	if err != nil {
		return nil, err
	}
	var out []Object
	for _, f := range files {
		objs, err := readFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

func readFile(path string) ([]Object, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Decode(path, f)
}

// manifestFiles lists the .json/.yaml/.yml files of dir in lexical order.
func manifestFiles(dir string, recursive bool) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && !recursive {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".json", ".yaml", ".yml":
			files = append(files, path)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// Decode reads a JSON or YAML stream (possibly several documents) and
// flattens List objects into their items.
func Decode(source string, r io.Reader) ([]Object, error) {
	reader := utilyaml.NewYAMLOrJSONDecoder(bufio.NewReader(r), 4096)
	var out []Object
	for doc := 1; ; doc++ {
		var raw map[string]any
		err := reader.Decode(&raw)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("error parsing %s: %w", source, err)
		}
		if len(raw) == 0 {
			continue // empty document between "---" separators
		}
		objs, err := flatten(source, &unstructured.Unstructured{Object: raw})
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no objects passed to apply: %s contains no objects", source)
	}
	return out, nil
}

func flatten(source string, u *unstructured.Unstructured) ([]Object, error) {
	if u.GetAPIVersion() == "" || u.GetKind() == "" {
		return nil, fmt.Errorf("error validating %q: apiVersion and kind must be set", source)
	}
	if !u.IsList() {
		return []Object{{Source: source, Obj: u}}, nil
	}
	var out []Object
	err := u.EachListItem(func(o runtime.Object) error {
		item, ok := o.(*unstructured.Unstructured)
		if !ok {
			return fmt.Errorf("%s: unexpected list item %T", source, o)
		}
		objs, err := flatten(source, item)
		out = append(out, objs...)
		return err
	})
	return out, err
}
