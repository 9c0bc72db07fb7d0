package containerd

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharfhq/wharf/kubelet/internal/containerdtest"
	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

func newTestRuntime(t *testing.T) (*Containerd, *containerdtest.Daemon) {
	t.Helper()
	d := containerdtest.Start(t)
	imgs := containerdtest.Images(t)
	rt, err := New(t.Context(), Options{Address: d.Address, InsecureRegistries: []string{"127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	if err := rt.ImportImages(t.Context(), imgs); err != nil {
		t.Fatal(err)
	}
	return rt, d
}

func waitState(t *testing.T, rt runtime.Runtime, id string, want runtime.State) runtime.Container {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for {
		c, err := rt.ContainerStatus(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.State == want {
			return c
		}
		select {
		case <-ctx.Done():
			t.Fatalf("container %s: state %s, want %s", id, c.State, want)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func TestContainerdLifecycle(t *testing.T) {
	rt, d := newTestRuntime(t)
	ctx := t.Context()
	if _, err := rt.EnsureImage(ctx, "tools", runtime.PullNever); err != nil {
		t.Fatalf("imported tools image: %v", err)
	}
	if _, err := rt.EnsureImage(ctx, "openshift/hello-openshift", runtime.PullIfNotPresent); err != nil {
		t.Fatalf("imported hello image under the seed's name: %v", err)
	}
	logPath := filepath.Join(d.Dir, "logs", "c", "0.log")
	spec := runtime.ContainerSpec{
		PodUID: "uid-1", PodNamespace: "default", PodName: "p", Name: "c", Image: "tools",
		Command: []string{"sh", "-c", "echo hello $GREETING; exit 3"}, Env: []string{"GREETING=world"},
		LogPath: logPath,
	}
	id, err := rt.CreateContainer(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	c := waitState(t, rt, id, runtime.StateExited)
	if c.ExitCode != 3 || c.Reason != "Error" || c.PodUID != "uid-1" || c.Name != "c" || c.StartedAt.IsZero() || c.FinishedAt.IsZero() {
		t.Errorf("status = %+v", c)
	}
	if !strings.HasPrefix(c.ImageID, "docker.io/library/tools@sha256:") {
		t.Errorf("imageID = %q", c.ImageID)
	}
	log, _ := os.ReadFile(logPath)
	if !strings.Contains(string(log), "hello world") {
		t.Errorf("log = %q", log)
	}

	spec.Name, spec.Attempt, spec.Command = "sleeper", 1, []string{"sleep", "1000"}
	id2, err := rt.CreateContainer(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.StartContainer(ctx, id2); err != nil {
		t.Fatal(err)
	}
	waitState(t, rt, id2, runtime.StateRunning)
	if code, err := rt.Exec(ctx, id2, []string{"sh", "-c", "test \"$GREETING\" = world && exit 7"}); err != nil || code != 7 {
		t.Errorf("exec = %d, %v", code, err)
	}
	list, err := rt.ListContainers(ctx, map[string]string{runtime.LabelPodUID: "uid-1", runtime.LabelContainer: "sleeper"})
	if err != nil || len(list) != 1 || list[0].ID != id2 || list[0].Attempt != 1 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if err := rt.StopContainer(ctx, id2, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if c := waitState(t, rt, id2, runtime.StateExited); c.ExitCode != 143 && c.ExitCode != 137 {
		t.Errorf("stopped sleeper exit code = %d", c.ExitCode)
	}
	for _, id := range []string{id, id2} {
		if err := rt.RemoveContainer(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rt.ContainerStatus(ctx, id); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("status after remove: %v", err)
	}
	if all, _ := rt.ListContainers(ctx, nil); len(all) != 0 {
		t.Errorf("left over: %+v", all)
	}
}

func TestContainerdReadOnlyRootFS(t *testing.T) {
	rt, _ := newTestRuntime(t)
	ctx := t.Context()
	spec := runtime.ContainerSpec{PodUID: "uid-ro", Name: "ro", Image: "tools", ReadOnlyRootFS: true, CapDrop: []string{"ALL"},
		Command: []string{"sh", "-c", "touch /x && exit 0; exit 9"}}
	id, err := rt.CreateContainer(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	if c := waitState(t, rt, id, runtime.StateExited); c.ExitCode != 9 {
		t.Errorf("write to a read-only rootfs: exit %d", c.ExitCode)
	}
}

func TestContainerdPullFromLocalRegistry(t *testing.T) {
	d := containerdtest.Start(t)
	host := containerdtest.Registry(t)
	rt, err := New(t.Context(), Options{Address: d.Address, InsecureRegistries: []string{host}})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	ref := host + "/wharf/tools:v1"
	imageID, err := rt.EnsureImage(t.Context(), ref, runtime.PullAlways)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(imageID, host+"/wharf/tools@sha256:") {
		t.Errorf("imageID = %q", imageID)
	}
	id, err := rt.CreateContainer(t.Context(), runtime.ContainerSpec{PodUID: "uid-reg", Name: "c", Image: ref, Command: []string{"true"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.StartContainer(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if c := waitState(t, rt, id, runtime.StateExited); c.ExitCode != 0 {
		t.Errorf("exit code %d", c.ExitCode)
	}
}

func TestContainerdMissingImage(t *testing.T) {
	rt, _ := newTestRuntime(t)
	if _, err := rt.EnsureImage(t.Context(), "nothere", runtime.PullNever); !errors.Is(err, runtime.ErrImageNotPresent) {
		t.Errorf("PullNever: %v", err)
	}
	_, err := rt.EnsureImage(t.Context(), "127.0.0.1:1/nothere:v1", runtime.PullIfNotPresent)
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("pull from a closed port: %v", err)
	}
	if _, err := rt.EnsureImage(t.Context(), "UPPER/case", runtime.PullIfNotPresent); err == nil {
		t.Error("invalid reference accepted")
	}
}
