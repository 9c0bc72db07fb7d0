package app

import (
	"context"
	"fmt"
	"sync"

	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/leaderelection"
)

// runElected runs work while this replica holds the Lease. Losing the lease
// ends Run with an error (crash-only, as upstream: a restarted process
// starts from clean caches); ctx ending releases it for a quick hand-over.
func runElected(ctx context.Context, opts Options, c *client.Client, work func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu      sync.Mutex
		workErr error
	)
	err := leaderelection.Run(ctx, leaderelection.Config{
		Lock:          client.Leases(c, opts.LeaseNamespace),
		Name:          opts.LeaseName,
		Namespace:     opts.LeaseNamespace,
		Identity:      opts.Identity,
		LeaseDuration: opts.LeaseDuration,
		RenewDeadline: opts.RenewDeadline,
		RetryPeriod:   opts.RetryPeriod,
		Callbacks: leaderelection.Callbacks{
			OnStartedLeading: func(ctx context.Context) {
				opts.Logger.InfoContext(ctx, "became leader", "identity", opts.Identity)
				if err := work(ctx); err != nil {
					mu.Lock()
					workErr = err
					mu.Unlock()
					cancel() // give up the lease: another replica may do better
				}
			},
			OnNewLeader: func(id string) { opts.Logger.Info("leader observed", "identity", id) },
		},
		ReleaseOnCancel: true,
		Logger:          opts.Logger,
	})
	mu.Lock()
	defer mu.Unlock()
	if workErr != nil {
		return workErr
	}
	if err != nil {
		return fmt.Errorf("leader election: %w", err)
	}
	return nil
}
