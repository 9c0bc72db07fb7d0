package containerd

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/containerd/containerd/cio"
)

// execSeq numbers exec processes within one Containerd.
type execSeq struct{ n atomic.Int64 }

// Exec implements runtime.Runtime: cmd runs with the container's process
// settings (user, env, cwd), without a terminal, output discarded.
func (c *Containerd) Exec(ctx context.Context, id string, cmd []string) (int, error) {
	ctr, err := c.client.LoadContainer(ctx, id)
	if err != nil {
		return -1, notFound(id, err)
	}
	spec, err := ctr.Spec(ctx)
	if err != nil {
		return -1, fmt.Errorf("runtime: spec of %s: %w", id, err)
	}
	task, err := ctr.Task(ctx, nil)
	if err != nil {
		return -1, fmt.Errorf("runtime: exec in %s: %w", id, err)
	}
	ps := *spec.Process
	ps.Args, ps.Terminal = cmd, false
	execID := fmt.Sprintf("exec-%d", c.execs.n.Add(1))
	proc, err := task.Exec(ctx, execID, &ps, cio.NullIO)
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
