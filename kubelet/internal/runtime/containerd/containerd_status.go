package containerd

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	ctrd "github.com/containerd/containerd"
	"github.com/containerd/containerd/content"
	"github.com/containerd/containerd/errdefs"
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
	if img, err := ctr.Image(ctx); err == nil {
		out.ImageID = imageID(img)
	}
	if s := l[runtime.LabelStartedAt]; s != "" {
		out.StartedAt, _ = time.Parse(time.RFC3339Nano, s)
	}
	task, err := ctr.Task(ctx, nil)
	if errdefs.IsNotFound(err) {
		return out, nil
	} else if err != nil {
		return runtime.Container{}, fmt.Errorf("runtime: task of %s: %w", ctr.ID(), err)
	}
	st, err := task.Status(ctx)
	if err != nil {
		return runtime.Container{}, fmt.Errorf("runtime: task status of %s: %w", ctr.ID(), err)
	}
	switch st.Status {
	case ctrd.Running, ctrd.Pausing, ctrd.Paused:
		out.State = runtime.StateRunning
	case ctrd.Stopped:
		out.State = runtime.StateExited
		out.ExitCode = int32(st.ExitStatus)
		out.FinishedAt = st.ExitTime
		out.Reason = runtime.ExitReason(out.ExitCode, out.ExitCode != 0 && c.oomKilled(ctx, ctr, l))
	case ctrd.Created:
		out.State = runtime.StateCreated
	default:
		out.State = runtime.StateUnknown
	}
	return out, nil
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
