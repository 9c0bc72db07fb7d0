package worker

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/wharfhq/wharf/proto/workqueue"
)

// TestProcessWithResyncQueuesKeysAndStops checks that keys come back
// without events, that a failing key is retried, and that the call returns
// after ctx ends.
func TestProcessWithResyncQueuesKeysAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	q := workqueue.New(workqueue.Config[string]{Name: "test"})
	var mu sync.Mutex
	seen := map[string]int{}
	enough := make(chan struct{})
	var once sync.Once
	reconcile := func(_ context.Context, key string) error {
		mu.Lock()
		defer mu.Unlock()
		seen[key]++
		if seen["a"] >= 3 && seen["b"] >= 3 {
			once.Do(func() { close(enough) })
		}
		if key == "b" && seen[key] == 1 {
			return errors.New("transient")
		}
		return nil
	}
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		ProcessWithResync(ctx, q, 2, slog.New(slog.DiscardHandler), reconcile, time.Millisecond, func() []string { return []string{"a", "b"} })
	}()
	select {
	case <-enough:
	case <-time.After(time.Minute):
		t.Fatal("resync did not queue the keys repeatedly")
	}
	cancel()
	select {
	case <-returned:
	case <-time.After(time.Minute):
		t.Fatal("ProcessWithResync did not return after ctx ended")
	}
	if _, shutdown := q.Get(); !shutdown {
		t.Error("queue not shut down")
	}
}
