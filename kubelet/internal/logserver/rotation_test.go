package logserver

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharfhq/wharf/kubelet/internal/crilog"
)

func TestTailStart(t *testing.T) {
	dir := t.TempDir()
	lf, err := crilog.Open(filepath.Join(dir, "0.log"), crilog.Options{MaxSize: 150, MaxFiles: 10})
	if err != nil {
		t.Fatal(err)
	}
	out, errs := lf.Stream("stdout"), lf.Stream("stderr")
	for i := range 30 {
		fmt.Fprintf(out, "out-%02d\n", i)
		fmt.Fprintf(errs, "err-%02d\n", i)
	}
	out.Write([]byte("unfinished"))
	chain, err := logChain(filepath.Join(dir, "0.log"))
	if err != nil || len(chain) < 4 {
		t.Fatalf("chain %v, %v", chain, err)
	}
	read := func(o logOptions) string {
		t.Helper()
		rec := &recorder{}
		if err := writeLog(context.Background(), chain, &limitWriter{w: rec}, o, func() bool { return true }); err != nil {
			t.Fatal(err)
		}
		return rec.b.String()
	}
	if got := read(logOptions{tail: 3}); got != "err-28\nout-29\nerr-29\n" {
		t.Errorf("tail 3 = %q", got)
	}
	if got := read(logOptions{tail: 2, stream: "stdout"}); got != "out-28\nout-29\n" {
		t.Errorf("stdout tail 2 = %q", got)
	}
	all := read(logOptions{tail: -1})
	if !strings.HasSuffix(all, "err-29\n") || strings.Count(all, "\n") < 20 {
		t.Errorf("all = %q", all)
	}
	if got := read(logOptions{tail: 0}); got != "" {
		t.Errorf("tail 0 = %q", got)
	}
	if got := read(logOptions{tail: 1000}); got != all {
		t.Errorf("tail 1000 = %q, want everything kept", got)
	}
	lf.Close()
}

// recorder is a minimal http.ResponseWriter.
type recorder struct{ b strings.Builder }

func (r *recorder) Header() http.Header         { return http.Header{} }
func (r *recorder) Write(p []byte) (int, error) { return r.b.Write(p) }
func (r *recorder) WriteHeader(int)             {}

func TestFollowAcrossRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "0.log")
	lf, err := crilog.Open(path, crilog.Options{MaxSize: 300, MaxFiles: 20})
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	out := lf.Stream("stdout")
	fmt.Fprintln(out, "first")
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		chain, _ := logChain(path)
		errc <- writeLog(ctx, chain, &limitWriter{w: pipeWriter{pw}}, logOptions{tail: -1, follow: true}, func() bool { return false })
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	if !sc.Scan() || sc.Text() != "first" {
		t.Fatalf("first line %q", sc.Text())
	}
	for i := range 40 { // several rotations
		fmt.Fprintf(out, "line-%02d\n", i)
		if i%10 == 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if rot, _ := crilog.Rotated(path); len(rot) == 0 {
		t.Fatal("no rotation happened")
	}
	for i := range 40 {
		if !sc.Scan() {
			t.Fatalf("follow ended before line %d: %v", i, sc.Err())
		}
		if want := fmt.Sprintf("line-%02d", i); sc.Text() != want {
			t.Fatalf("followed %q, want %q", sc.Text(), want)
		}
	}
	cancel()
	pr.Close()
	<-errc
}

type pipeWriter struct{ w *io.PipeWriter }

func (p pipeWriter) Header() http.Header         { return http.Header{} }
func (p pipeWriter) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p pipeWriter) WriteHeader(int)             {}
