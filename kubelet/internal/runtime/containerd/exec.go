package containerd

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"syscall"

	ctrd "github.com/containerd/containerd"
	"github.com/containerd/containerd/cio"
	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// execSeq numbers exec processes within one Containerd.
type execSeq struct{ n atomic.Int64 }

// Exec implements runtime.Runtime: cmd runs with the container's process
// settings (user, env, cwd), without a terminal, output discarded.
func (c *Containerd) Exec(ctx context.Context, id string, cmd []string) (int, error) {
	task, ps, err := c.execTarget(ctx, id, cmd, false)
	if err != nil {
		return -1, err
	}
	proc, err := task.Exec(ctx, c.execID(), ps, cio.NullIO)
	if err != nil {
		return -1, fmt.Errorf("runtime: exec in %s: %w", id, err)
	}
	defer proc.Delete(context.WithoutCancel(ctx))
	statusC, err := proc.Wait(ctx)
	if err != nil {
		return -1, fmt.Errorf("runtime: exec wait: %w", err)
	}
	if err := proc.Start(ctx); err != nil {
		return -1, fmt.Errorf("runtime: exec start: %w", err)
	}
	select {
	case st := <-statusC:
		code, _, err := st.Result()
		return int(code), err
	case <-ctx.Done():
		return -1, ctx.Err()
	}
}

// execTarget loads the running task of container id and the process
// spec for cmd: the container's own (user, env, cwd) with cmd as args,
// plus TERM=xterm with a terminal, as containerd's CRI plugin does.
func (c *Containerd) execTarget(ctx context.Context, id string, cmd []string, tty bool) (ctrd.Task, *specs.Process, error) {
	ctr, err := c.client.LoadContainer(ctx, id)
	if err != nil {
		return nil, nil, notFound(id, err)
	}
	spec, err := ctr.Spec(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("runtime: spec of %s: %w", id, err)
	}
	task, err := ctr.Task(ctx, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("runtime: exec in %s: %w", id, notFound(id, err))
	}
	ps := *spec.Process
	ps.Args, ps.Terminal = cmd, tty
	if tty {
		ps.Env = append(append([]string{}, ps.Env...), "TERM=xterm")
	}
	return task, &ps, nil
}

func (c *Containerd) execID() string { return fmt.Sprintf("exec-%d", c.execs.n.Add(1)) }

// ExecStream implements runtime.Runtime. The process's stdin is closed
// (CloseIO) once sio.Stdin reaches EOF, so `cat` ends like in a shell.
func (c *Containerd) ExecStream(ctx context.Context, id string, cmd []string, sio runtime.StreamIO) (int, error) {
	task, ps, err := c.execTarget(ctx, id, cmd, sio.TTY)
	if err != nil {
		return -1, err
	}
	stdin := &stdinCloser{r: sio.Stdin}
	opts := []cio.Opt{cio.WithStreams(nil, orDiscard(sio.Stdout), orDiscard(sio.Stderr))}
	if sio.Stdin != nil {
		opts[0] = cio.WithStreams(stdin, orDiscard(sio.Stdout), orDiscard(sio.Stderr))
	}
	if sio.TTY {
		opts = append(opts, cio.WithTerminal)
	}
	bg := context.WithoutCancel(ctx)
	proc, err := task.Exec(ctx, c.execID(), ps, cio.NewCreator(opts...))
	if err != nil {
		return -1, fmt.Errorf("runtime: exec in %s: %w", id, err)
	}
	defer proc.Delete(bg, ctrd.WithProcessKill)
	stdin.setCloser(func() { _ = proc.CloseIO(bg, ctrd.WithStdinCloser) })
	statusC, err := proc.Wait(bg)
	if err != nil {
		return -1, fmt.Errorf("runtime: exec wait: %w", err)
	}
	if err := proc.Start(ctx); err != nil {
		return -1, fmt.Errorf("runtime: exec start: %w", err)
	}
	go resizeLoop(ctx, proc, sio.Resize)
	select {
	case st := <-statusC:
		proc.IO().Wait() // all output copied before the exit code is reported
		code, _, err := st.Result()
		return int(code), err
	case <-ctx.Done():
		_ = proc.Kill(bg, syscall.SIGKILL)
		<-statusC
		return -1, ctx.Err()
	}
}

// resizeLoop applies terminal sizes until ctx ends or sizes closes.
func resizeLoop(ctx context.Context, proc ctrd.Process, sizes <-chan runtime.TermSize) {
	for {
		select {
		case <-ctx.Done():
			return
		case sz, ok := <-sizes:
			if !ok {
				return
			}
			_ = proc.Resize(ctx, uint32(sz.Width), uint32(sz.Height))
		}
	}
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// stdinCloser reads the client's stdin and, at its end, closes the
// process's stdin (closer is set once the process exists).
type stdinCloser struct {
	r      io.Reader
	mu     sync.Mutex
	closer func()
	eof    bool
}

func (s *stdinCloser) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil {
		s.mu.Lock()
		s.eof = true
		closer := s.closer
		s.mu.Unlock()
		if closer != nil {
			closer()
		}
	}
	return n, err
}

// setCloser sets the function that closes the process's stdin, calling
// it at once if stdin already ended.
func (s *stdinCloser) setCloser(f func()) {
	s.mu.Lock()
	s.closer = f
	eof := s.eof
	s.mu.Unlock()
	if eof {
		f()
	}
}
