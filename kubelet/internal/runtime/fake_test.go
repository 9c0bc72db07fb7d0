package runtime

import (
	"errors"
	"testing"
	"time"
)

func TestFakeLifecycle(t *testing.T) {
	f := NewFake()
	ctx := t.Context()
	f.SetMissing("nope", errors.New("not found"))
	if _, err := f.EnsureImage(ctx, "nope", PullAlways); err == nil {
		t.Error("missing image pulled")
	}
	id, err := f.CreateContainer(ctx, ContainerSpec{PodUID: "u", Name: "c", Attempt: 2, Image: "img"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.CreateContainer(ctx, ContainerSpec{PodUID: "u", Name: "c", Attempt: 2}); err == nil {
		t.Error("duplicate create succeeded")
	}
	if err := f.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := f.Exit(id, 0); err != nil {
		t.Fatal(err)
	}
	c, _ := f.ContainerStatus(ctx, id)
	if c.State != StateExited || c.Reason != "Completed" || c.Attempt != 2 {
		t.Errorf("status = %+v", c)
	}
	l, _ := f.ListContainers(ctx, map[string]string{LabelPodUID: "u", LabelAttempt: "2"})
	if len(l) != 1 {
		t.Errorf("list = %+v", l)
	}
	if err := f.StopContainer(ctx, id, time.Second); err != nil {
		t.Fatal(err)
	}
	if err := f.RemoveContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ContainerStatus(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("after remove: %v", err)
	}
}

func TestFakeExecStreamNotSupported(t *testing.T) {
	f := NewFake()
	if _, err := f.ExecStream(t.Context(), "u-c-0", []string{"true"}, StreamIO{}); !errors.Is(err, ErrNotSupported) {
		t.Errorf("ExecStream on the fake runtime = %v, want ErrNotSupported", err)
	}
	if err := f.Attach(t.Context(), "u-c-0", StreamIO{}); !errors.Is(err, ErrNotSupported) {
		t.Errorf("Attach on the fake runtime = %v, want ErrNotSupported", err)
	}
}
