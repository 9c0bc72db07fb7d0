package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/wharfhq/wharf/proto/workqueue"
)

// ProcessWithResync is Process plus a periodic resync: every period it
// queues the keys that keys returns (typically a lister's Keys), so state
// that changes with time rather than with events (schedules, heartbeats)
// is re-evaluated. It returns once ctx has ended and the workers are done.
func ProcessWithResync[K comparable](ctx context.Context, q *workqueue.Queue[K], workers int, log *slog.Logger,
	reconcile SyncFunc[K], period time.Duration, keys func() []K) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				for _, k := range keys() {
					q.Add(k)
				}
			}
		}
	}()
	Process(ctx, q, workers, log, reconcile)
	<-done
}
