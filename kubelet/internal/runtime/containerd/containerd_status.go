package containerd

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	ctrd "github.com/containerd/containerd"
	"github.com/containerd/containerd/api/services/tasks/v1"
	tasktypes "github.com/containerd/containerd/api/types/task"
	"github.com/containerd/containerd/content"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/protobuf"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// status reads one container's labels and task state.
func (c *Containerd) status(ctx context.Context, ctr ctrd.Container) (runtime.Container, error) {
	info, err := ctr.Info(ctx, ctrd.WithoutRefreshedMetadata)
	if err != nil {
		return runtime.Container{}, notFound(ctr.ID(), err)
	}
	l := info.Labels
	attempt, _ := strconv.Atoi(l[runtime.LabelAttempt])
	out := runtime.Container{
		ID: ctr.ID(), PodUID: l[runtime.LabelPodUID], PodNamespace: l[runtime.LabelPodNamespace], PodName: l[runtime.LabelPodName],
		Name: l[runtime.LabelContainer], Attempt: attempt, Init: l[runtime.LabelInit] == "true",
		Image: info.Image, CreatedAt: info.CreatedAt, State: runtime.StateCreated,
	}
	out.ImageID = c.containerImageID(ctx, ctr)
	if s := l[runtime.LabelStartedAt]; s != "" {
		out.StartedAt, _ = time.Parse(time.RFC3339Nano, s)
	}
	// One Get answers the task's state, exit status and exit time (the
	// client's Task+Status would ask containerd, and so the shim, twice):
	// workers observe their containers every resync.
	resp, err := c.client.TaskService().Get(ctx, &tasks.GetRequest{ContainerID: ctr.ID()})
	if err = errdefs.FromGRPC(err); errdefs.IsNotFound(err) {
		return out, nil
	} else if err != nil {
		return runtime.Container{}, fmt.Errorf("runtime: task of %s: %w", ctr.ID(), err)
	}
	switch p := resp.Process; p.Status {
	case tasktypes.Status_RUNNING, tasktypes.Status_PAUSING, tasktypes.Status_PAUSED:
		out.State = runtime.StateRunning
	case tasktypes.Status_STOPPED:
		out.State = runtime.StateExited
		out.ExitCode = int32(p.ExitStatus)
		out.FinishedAt = protobuf.FromTimestamp(p.ExitedAt)
		out.Reason = runtime.ExitReason(out.ExitCode, out.ExitCode != 0 && c.oomKilled(ctx, ctr, l))
	case tasktypes.Status_CREATED:
		out.State = runtime.StateCreated
	default:
		out.State = runtime.StateUnknown
	}
	return out, nil
}

// containerImageID is the image ID of ctr, resolved once per container:
// a container keeps the image it was created from.
func (c *Containerd) containerImageID(ctx context.Context, ctr ctrd.Container) string {
	c.mu.Lock()
	id, ok := c.imageIDs[ctr.ID()]
	c.mu.Unlock()
	if ok {
		return id
	}
	img, err := ctr.Image(ctx)
	if err != nil {
		return ""
	}
	id = imageID(img)
	c.mu.Lock()
	c.imageIDs[ctr.ID()] = id
	c.mu.Unlock()
	return id
}

func readImageConfig(ctx context.Context, img ctrd.Image, desc ocispec.Descriptor) (ocispec.ImageConfig, error) {
	data, err := content.ReadBlob(ctx, img.ContentStore(), desc)
	if err != nil {
		return ocispec.ImageConfig{}, fmt.Errorf("runtime: read image config: %w", err)
	}
	var cfg ocispec.Image
	if err := json.Unmarshal(data, &cfg); err != nil {
		return ocispec.ImageConfig{}, fmt.Errorf("runtime: decode image config: %w", err)
	}
	return cfg.Config, nil
}
