package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDecodeMultiDocumentAndList(t *testing.T) {
	in := `
apiVersion: v1
kind: Pod
metadata: {name: a}
---
---
{"apiVersion":"v1","kind":"List","items":[
 {"apiVersion":"v1","kind":"Service","metadata":{"name":"b"}},
 {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}]}
`
	objs, err := Decode("x", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		got = append(got, o.Obj.GetKind()+"/"+o.Obj.GetName())
	}
	want := "Pod/a Service/b ConfigMap/c"
	if strings.Join(got, " ") != want {
		t.Fatalf("got %v, want %s", got, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	for name, in := range map[string]string{
		"no kind":   `{"apiVersion":"v1","metadata":{"name":"a"}}`,
		"malformed": "apiVersion: v1\nkind: [",
		"empty":     "",
	} {
		if _, err := Decode(name, strings.NewReader(in)); err == nil {
			t.Errorf("%s: want error", name)
		}
	}
}

func TestReadDirectoryAndStdin(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n")
	write("a.json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}`)
	write("notes.txt", "ignored")
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	write("sub/c.yml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")

	objs, err := Read([]string{dir, "-"}, false, strings.NewReader(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"}}`))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range objs {
		names = append(names, o.Obj.GetName())
	}
	if strings.Join(names, ",") != "a,b,s" {
		t.Fatalf("non-recursive read got %v", names)
	}
	objs, err = Read([]string{dir}, true, nil)
	if err != nil || len(objs) != 3 {
		t.Fatalf("recursive read: %d objects, err %v", len(objs), err)
	}
	if _, err := Read([]string{filepath.Join(dir, "missing.yaml")}, false, nil); err == nil {
		t.Fatal("missing file: want error")
	}
}
