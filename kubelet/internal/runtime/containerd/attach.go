package containerd

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// outputTee copies a container's stdout and stderr, on their way to its
// log file, to the clients attached to it. A slow client slows the copy,
// as on upstream's attach; a failing one is dropped.
type outputTee struct {
	mu   sync.Mutex
	subs map[*[2]io.Writer]struct{}
	done chan struct{} // closed when the container's output ended
}

func newOutputTee() *outputTee {
	return &outputTee{subs: map[*[2]io.Writer]struct{}{}, done: make(chan struct{})}
}

// stream wraps the log writer of stream i (0 stdout, 1 stderr).
func (t *outputTee) stream(i int, w io.WriteCloser) io.WriteCloser {
	return teeStream{t: t, i: i, w: w}
}

type teeStream struct {
	t *outputTee
	i int
	w io.WriteCloser
}

func (s teeStream) Write(p []byte) (int, error) {
	s.t.mu.Lock()
	for sub := range s.t.subs {
		if w := sub[s.i]; w != nil {
			if _, err := w.Write(p); err != nil {
				delete(s.t.subs, sub)
			}
		}
	}
	s.t.mu.Unlock()
	return s.w.Write(p)
}

func (s teeStream) Close() error { return s.w.Close() }

// registerTee makes the tee of container id's output (replacing an
// earlier one, whose clients are let go).
func (c *Containerd) registerTee(id string) *outputTee {
	t := newOutputTee()
	c.mu.Lock()
	old := c.tees[id]
	c.tees[id] = t
	c.mu.Unlock()
	if old != nil {
		close(old.done)
	}
	return t
}

// endTee ends container id's tee t once its output is drained.
func (c *Containerd) endTee(id string, t *outputTee) {
	c.mu.Lock()
	if c.tees[id] == t {
		delete(c.tees, id)
		close(t.done)
	}
	c.mu.Unlock()
}

// Attach implements runtime.Runtime: output only. Containers are started
// without stdin or a terminal, so asking for either fails.
func (c *Containerd) Attach(ctx context.Context, id string, sio runtime.StreamIO) error {
	if sio.Stdin != nil || sio.TTY {
		return fmt.Errorf("runtime: attach to %s: stdin and tty: %w (containers are started without them)", id, runtime.ErrNotSupported)
	}
	c.mu.Lock()
	t := c.tees[id]
	c.mu.Unlock()
	if t == nil {
		return fmt.Errorf("runtime: attach to %s: no output is being copied (not running?): %w", id, runtime.ErrNotFound)
	}
	sub := &[2]io.Writer{sio.Stdout, sio.Stderr}
	t.mu.Lock()
	t.subs[sub] = struct{}{}
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		delete(t.subs, sub)
		t.mu.Unlock()
	}()
	select {
	case <-ctx.Done():
		return nil
	case <-t.done:
		return nil
	}
}
