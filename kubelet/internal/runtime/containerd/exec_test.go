package containerd

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// syncBuffer is a bytes.Buffer safe for the IO copier and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestContainerdExecStream(t *testing.T) {
	rt, _ := newTestRuntime(t)
	ctx := t.Context()
	spec := runtime.ContainerSpec{PodUID: "uid-x", PodNamespace: "default", PodName: "p", Name: "c", Image: "tools",
		Command: []string{"sleep", "3600"}, Env: []string{"GREETING=world"}}
	id, err := rt.CreateContainer(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.RemoveContainer(context.WithoutCancel(ctx), id) })
	if err := rt.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	waitState(t, rt, id, runtime.StateRunning)

	var out, errOut syncBuffer
	code, err := rt.ExecStream(ctx, id, []string{"sh", "-c", "echo out $GREETING; echo err >&2; exit 7"}, runtime.StreamIO{Stdout: &out, Stderr: &errOut})
	if err != nil || code != 7 || out.String() != "out world\n" || errOut.String() != "err\n" {
		t.Errorf("exec = %d, %v, stdout %q, stderr %q; want 7, out world, err", code, err, out.String(), errOut.String())
	}

	var catOut syncBuffer
	code, err = rt.ExecStream(ctx, id, []string{"cat"}, runtime.StreamIO{Stdin: strings.NewReader("piped\n"), Stdout: &catOut})
	if err != nil || code != 0 || catOut.String() != "piped\n" {
		t.Errorf("cat with stdin = %d, %v, %q; want 0 and the input back (stdin closed at EOF)", code, err, catOut.String())
	}

	var ttyOut syncBuffer
	sizes := make(chan runtime.TermSize, 1)
	sizes <- runtime.TermSize{Width: 91, Height: 37}
	pr, pw := io.Pipe()
	go func() {
		time.Sleep(500 * time.Millisecond) // the resize lands before stty asks
		_, _ = pw.Write([]byte("stty size; echo TERM=$TERM; exit 3\n"))
	}()
	code, err = rt.ExecStream(ctx, id, []string{"sh"}, runtime.StreamIO{Stdin: pr, Stdout: &ttyOut, TTY: true, Resize: sizes})
	pw.Close()
	if err != nil || code != 3 || !strings.Contains(ttyOut.String(), "37 91") || !strings.Contains(ttyOut.String(), "TERM=xterm") {
		t.Errorf("tty exec = %d, %v, output %q; want 3, '37 91' and TERM=xterm", code, err, ttyOut.String())
	}

	cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := rt.ExecStream(cctx, id, []string{"sleep", "60"}, runtime.StreamIO{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("exec past its context = %v, want DeadlineExceeded (process killed)", err)
	}
	if _, err := rt.ExecStream(ctx, "nope", []string{"true"}, runtime.StreamIO{}); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("exec in unknown container = %v, want ErrNotFound", err)
	}
}

func TestContainerdAttach(t *testing.T) {
	rt, d := newTestRuntime(t)
	ctx := t.Context()
	spec := runtime.ContainerSpec{PodUID: "uid-a", PodNamespace: "default", PodName: "p", Name: "c", Image: "tools",
		Command: []string{"sh", "-c", "i=0; while [ $i -lt 30 ]; do echo tick-$i; echo tock >&2; i=$((i+1)); sleep 0.1; done"},
		LogPath: d.Dir + "/logs/attach/0.log"}
	id, err := rt.CreateContainer(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.RemoveContainer(context.WithoutCancel(ctx), id) })
	if err := rt.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := rt.Attach(ctx, id, runtime.StreamIO{Stdin: strings.NewReader("x")}); !errors.Is(err, runtime.ErrNotSupported) {
		t.Errorf("attach with stdin = %v, want ErrNotSupported", err)
	}
	var out, errOut syncBuffer
	// Attach returns by itself once the container exited (about 3 s).
	if err := rt.Attach(ctx, id, runtime.StreamIO{Stdout: &out, Stderr: &errOut}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "tick-29\n") || !strings.Contains(errOut.String(), "tock\n") {
		t.Errorf("attached output: stdout %q, stderr %q; want the ticks up to the last and the tocks", out.String(), errOut.String())
	}
	if log, _ := os.ReadFile(spec.LogPath); !strings.Contains(string(log), "stdout F tick-29") {
		t.Errorf("log file lost output while attached: %q", log)
	}
	if err := rt.Attach(ctx, id, runtime.StreamIO{Stdout: &out}); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("attach to an exited container = %v, want ErrNotFound", err)
	}
}
