package staticpods

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// watcher runs Watch and hands out what it emits.
func watcher(t *testing.T, dir string) <-chan []*corev1.Pod {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan []*corev1.Pod, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Watch(ctx, Config{Dir: dir, NodeName: "n1", Period: 50 * time.Millisecond}, func(p []*corev1.Pod) { out <- p })
	}()
	t.Cleanup(func() { cancel(); <-done })
	return out
}

// next waits for an emitted set whose names are want.
func next(t *testing.T, c <-chan []*corev1.Pod, want ...string) []*corev1.Pod {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case pods := <-c:
			var names []string
			for _, p := range pods {
				names = append(names, p.Name)
			}
			sort.Strings(names)
			if len(names) == len(want) && (len(want) == 0 || equal(names, want)) {
				return pods
			}
		case <-deadline:
			t.Fatalf("no set %v emitted", want)
		}
	}
}

func equal(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestWatch(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("web.yaml", webYAML)
	write(".hidden.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: hidden}\nspec: {containers: [{name: c, image: i}]}\n")
	write("bad.yaml", "kind: Nope\n")
	write("notes.txt", "ignored")
	c := watcher(t, dir)
	first := next(t, c, "web-n1")[0]
	write("db.json", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"db","namespace":"kube-system"},"spec":{"containers":[{"name":"c","image":"i"}]}}`)
	pods := next(t, c, "db-n1", "web-n1")
	for _, p := range pods {
		if p.Name == "web-n1" && (p.UID != first.UID || p.Annotations[AnnotationSeen] != first.Annotations[AnnotationSeen]) {
			t.Errorf("unchanged pod changed: uid %s seen %s", p.UID, p.Annotations[AnnotationSeen])
		}
	}
	write("dup.yml", webYAML) // same pod name as web.yaml: skipped
	write("web.yaml", webYAML+"  - name: d\n    image: nginx\n")
	for _, p := range next(t, c, "db-n1", "web-n1") {
		if p.Name == "web-n1" && p.UID == first.UID {
			t.Error("edited manifest kept its UID")
		}
	}
	os.Remove(filepath.Join(dir, "web.yaml"))
	os.Remove(filepath.Join(dir, "dup.yml"))
	next(t, c, "db-n1")
}

func TestWatchMissingDir(t *testing.T) {
	c := watcher(t, filepath.Join(t.TempDir(), "nope"))
	next(t, c)
}
