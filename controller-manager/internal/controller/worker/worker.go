// Package worker runs a controller's workers: goroutines that take keys
// off the controller's queue and reconcile them, the one loop every
// controller shares (sample-controller's processNextWorkItem).
package worker

import (
	"context"
	"log/slog"
	"sync"

	"github.com/wharfhq/wharf/proto/workqueue"
)

// SyncFunc reconciles one key. An error requeues the key with the queue's
// rate limit; nil forgets its failure history.
type SyncFunc[K comparable] func(ctx context.Context, key K) error

// Process runs workers goroutines calling reconcile for keys from q until ctx
// ends, then shuts q down and waits for the workers to finish.
func Process[K comparable](ctx context.Context, q *workqueue.Queue[K], workers int, log *slog.Logger, reconcile SyncFunc[K]) {
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next(ctx, q, log, reconcile) {
			}
		}()
	}
	<-ctx.Done()
	q.ShutDown()
	wg.Wait()
}

// next handles one key; it returns false once q is shut down.
func next[K comparable](ctx context.Context, q *workqueue.Queue[K], log *slog.Logger, reconcile SyncFunc[K]) bool {
	key, shutdown := q.Get()
	if shutdown {
		return false
	}
	defer q.Done(key)
	if err := reconcile(ctx, key); err != nil {
		log.Info("sync failed, requeueing", "queue", q.Name(), "key", key, "err", err)
		q.AddRateLimited(key)
		return true
	}
	q.Forget(key)
	return true
}
