package runtime

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fake is an in-memory Runtime: containers "run" until stopped and never
// exit on their own unless Exit is called. Images are present unless listed
// in Missing. It is used by unit tests and by hollow nodes (--runtime=fake).
type Fake struct {
	mu         sync.Mutex
	containers map[string]*Container
	labels     map[string]map[string]string
	missing    map[string]error
	execs      []string
	now        func() time.Time
}

// NewFake returns an empty Fake.
func NewFake() *Fake {
	return &Fake{containers: map[string]*Container{}, labels: map[string]map[string]string{}, missing: map[string]error{}, now: time.Now}
}

// SetMissing makes EnsureImage(ref) fail with err (nil clears it).
func (f *Fake) SetMissing(ref string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(f.missing, ref)
		return
	}
	f.missing[ref] = err
}

// Exit makes a running container exit with code.
func (f *Fake) Exit(id string, code int32) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.containers[id]
	if !ok {
		return fmt.Errorf("runtime: %s: %w", id, ErrNotFound)
	}
	if c.State == StateRunning {
		c.State, c.ExitCode, c.FinishedAt, c.Reason = StateExited, code, f.now(), ExitReason(code, false)
	}
	return nil
}

// EnsureImage implements Runtime.
func (f *Fake) EnsureImage(_ context.Context, ref string, _ PullPolicy) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.missing[ref]; err != nil {
		return "", err
	}
	return "fake/" + ref + "@sha256:0", nil
}

// ImportImages implements Runtime; it imports nothing.
func (f *Fake) ImportImages(context.Context, string) error { return nil }

// CreateContainer implements Runtime.
func (f *Fake) CreateContainer(_ context.Context, spec ContainerSpec) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := ContainerID(spec.PodUID, spec.Name, spec.Attempt)
	if _, ok := f.containers[id]; ok {
		return "", fmt.Errorf("runtime: container %s already exists", id)
	}
	f.containers[id] = &Container{
		ID: id, PodUID: spec.PodUID, PodNamespace: spec.PodNamespace, PodName: spec.PodName,
		Name: spec.Name, Attempt: spec.Attempt, Init: spec.Init, Image: spec.Image,
		ImageID: "fake/" + spec.Image + "@sha256:0", State: StateCreated, CreatedAt: f.now(),
	}
	f.labels[id] = map[string]string{
		LabelPodUID: spec.PodUID, LabelPodNamespace: spec.PodNamespace, LabelPodName: spec.PodName,
		LabelContainer: spec.Name, LabelAttempt: strconv.Itoa(spec.Attempt), LabelInit: strconv.FormatBool(spec.Init),
	}
	return id, nil
}

// StartContainer implements Runtime.
func (f *Fake) StartContainer(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.containers[id]
	if !ok {
		return fmt.Errorf("runtime: %s: %w", id, ErrNotFound)
	}
	if c.State != StateCreated {
		return fmt.Errorf("runtime: start %s: state %s", id, c.State)
	}
	c.State, c.StartedAt = StateRunning, f.now()
	return nil
}

// StopContainer implements Runtime; a fake container stops at once with
// exit code 143 (SIGTERM).
func (f *Fake) StopContainer(_ context.Context, id string, _ time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.containers[id]; ok && c.State == StateRunning {
		c.State, c.ExitCode, c.FinishedAt, c.Reason = StateExited, 143, f.now(), ExitReason(143, false)
	}
	return nil
}

// RemoveContainer implements Runtime.
func (f *Fake) RemoveContainer(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.containers, id)
	delete(f.labels, id)
	return nil
}

// ListContainers implements Runtime.
func (f *Fake) ListContainers(_ context.Context, selector map[string]string) ([]Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Container
outer:
	for id, c := range f.containers {
		for k, v := range selector {
			if f.labels[id][k] != v {
				continue outer
			}
		}
		out = append(out, *c)
	}
	return out, nil
}

// Exec implements Runtime: it records "id: cmd..." and returns 0.
func (f *Fake) Exec(_ context.Context, id string, cmd []string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.containers[id]; !ok {
		return -1, fmt.Errorf("runtime: %s: %w", id, ErrNotFound)
	}
	f.execs = append(f.execs, id+": "+strings.Join(cmd, " "))
	return 0, nil
}

// ExecStream implements Runtime: fake containers have no processes to
// stream, so it fails with ErrNotSupported.
func (f *Fake) ExecStream(_ context.Context, id string, _ []string, _ StreamIO) (int, error) {
	return -1, fmt.Errorf("runtime: exec in %s: the fake runtime (hollow node): %w", id, ErrNotSupported)
}

// Attach implements Runtime: fake containers print nothing to attach to,
// so it fails with ErrNotSupported.
func (f *Fake) Attach(_ context.Context, id string, _ StreamIO) error {
	return fmt.Errorf("runtime: attach to %s: the fake runtime (hollow node): %w", id, ErrNotSupported)
}

// Execs returns the commands Exec ran, oldest first.
func (f *Fake) Execs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.execs...)
}

// ContainerStatus implements Runtime.
func (f *Fake) ContainerStatus(_ context.Context, id string) (Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.containers[id]
	if !ok {
		return Container{}, fmt.Errorf("runtime: %s: %w", id, ErrNotFound)
	}
	return *c, nil
}

var _ Runtime = (*Fake)(nil)
