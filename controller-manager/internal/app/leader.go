package app

import (
	"context"
	"fmt"

	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/leaderelection"
)

// leaseName is upstream's, so a Wharf and an upstream controller-manager
// never run side by side against one cluster.
const leaseName = "kube-controller-manager"

// runElected runs run while holding the leader Lease in kube-system. When
// leadership is lost the process exits (returns), as upstream does, so a
// supervisor restarts it as a clean standby.
func runElected(ctx context.Context, c *client.Client, opts Options, run func(context.Context)) error {
	err := leaderelection.Run(ctx, leaderelection.Config{
		Lock: client.Leases(c, "kube-system"), Name: leaseName, Namespace: "kube-system",
		Identity:      identity(),
		LeaseDuration: opts.LeaseDuration, RenewDeadline: opts.RenewDeadline, RetryPeriod: opts.RetryPeriod,
		ReleaseOnCancel: true,
		Logger:          opts.Logger,
		Callbacks: leaderelection.Callbacks{
			OnStartedLeading: run,
			OnNewLeader:      func(id string) { opts.Logger.Info("leader is", "identity", id) },
		},
	})
	if err != nil {
		return fmt.Errorf("leader election on kube-system/%s: %w", leaseName, err)
	}
	return nil
}
