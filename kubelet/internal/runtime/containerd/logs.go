package containerd

import (
	"context"
	"fmt"
	"io"

	ctrd "github.com/containerd/containerd"
	"github.com/containerd/containerd/cio"

	"github.com/wharfhq/wharf/kubelet/internal/crilog"
	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// LogOptions rotate container logs (--container-log-max-size and
// --container-log-max-files).
type LogOptions = crilog.Options

// logIO opens a container's CRI log file and returns the task IO creator
// copying the task's stdout and stderr FIFOs into it. The kubelet, not
// the shim, writes the file (as containerd's CRI plugin does), so lines
// get timestamps and the file can be rotated.
//
// id is marked as logged at once, so that a concurrent status call does
// not attach a second reader to the new task's FIFOs; call the returned
// function with the task's IO, or with nil if the task was not created.
func (c *Containerd) logIO(id, path string) (cio.Creator, func(cio.IO), error) {
	lf, streams, err := c.openLog(id, path)
	if err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	c.logging[id] = nil
	c.mu.Unlock()
	creator := cio.NewCreator(cio.WithStreams(nil, streams[0], streams[1]))
	return creator, c.tracker(id, lf, streams), nil
}

// ReattachLogs copies again the output of every running container the
// kubelet created, into its CRI log file: after a kubelet restart
// nothing reads their FIFOs. Call it once at start, before containers
// are started (another reader would split a task's output).
func (c *Containerd) ReattachLogs(ctx context.Context) error {
	ctrs, err := c.client.Containers(ctx, fmt.Sprintf("labels.%q", runtime.LabelLogPath))
	if err != nil {
		return fmt.Errorf("runtime: list containers: %w", err)
	}
	for _, ctr := range ctrs {
		labels, err := ctr.Labels(ctx)
		if err != nil || labels[runtime.LabelLogPath] == "" {
			continue
		}
		task, err := ctr.Task(ctx, nil)
		if err != nil {
			continue
		}
		if st, err := task.Status(ctx); err != nil || st.Status != ctrd.Running {
			continue
		}
		c.attachLogs(ctx, ctr, labels[runtime.LabelLogPath])
	}
	return nil
}

// attachLogs re-attaches the log writer of a running task the kubelet
// does not copy yet. Errors are logged: a container without a log copier
// keeps running.
func (c *Containerd) attachLogs(ctx context.Context, ctr ctrd.Container, path string) {
	id := ctr.ID()
	c.mu.Lock()
	_, busy := c.logging[id]
	if !busy {
		c.logging[id] = nil
	}
	c.mu.Unlock()
	if busy {
		return
	}
	lf, streams, err := c.openLog(id, path)
	if err == nil {
		var task ctrd.Task
		task, err = ctr.Task(ctx, cio.NewAttach(cio.WithStreams(nil, streams[0], streams[1])))
		if err == nil {
			c.tracker(id, lf, streams)(task.IO())
			c.log.InfoContext(ctx, "re-attached container log", "container", id, "path", path)
			return
		}
		lf.Close()
	}
	c.mu.Lock()
	delete(c.logging, id)
	c.mu.Unlock()
	c.log.WarnContext(ctx, "container log not attached", "container", id, "err", err)
}

// openLog opens container id's log file and returns the writers of its
// stdout and stderr, which also feed clients attached to id.
func (c *Containerd) openLog(id, path string) (*crilog.File, [2]io.WriteCloser, error) {
	var streams [2]io.WriteCloser
	lf, err := crilog.Open(path, c.logOpts)
	if err != nil {
		return nil, streams, err
	}
	tee := c.registerTee(id)
	streams[0], streams[1] = tee.stream(0, lf.Stream("stdout")), tee.stream(1, lf.Stream("stderr"))
	return lf, streams, nil
}

// tracker returns the function to call with the task's IO once the task
// exists (nil: it does not): it records the IO and, once both FIFOs are
// drained (the task exited, or Close cancelled the copy), flushes partial
// lines and closes the file.
func (c *Containerd) tracker(id string, lf *crilog.File, streams [2]io.WriteCloser) func(cio.IO) {
	return func(tio cio.IO) {
		c.mu.Lock()
		c.logging[id] = tio
		if tio != nil && c.closed {
			tio.Cancel()
		}
		c.mu.Unlock()
		go func() {
			if tio != nil {
				tio.Wait()
			}
			streams[0].Close()
			streams[1].Close()
			if ts, ok := streams[0].(teeStream); ok {
				c.endTee(id, ts.t)
			}
			c.mu.Lock()
			closed := c.closed
			c.mu.Unlock()
			if tio != nil && !closed {
				_ = tio.Close() // the task ended: remove its FIFOs
			}
			if err := lf.Close(); err != nil {
				c.log.Warn("container log", "container", id, "err", err)
			}
			c.mu.Lock()
			delete(c.logging, id)
			c.mu.Unlock()
		}()
	}
}
