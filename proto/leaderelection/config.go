package leaderelection

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"

	"github.com/wharfhq/wharf/proto/client"
)

// LeaseClient reads and writes Leases in one namespace.
// *client.Resource[*coordinationv1.Lease] (client.Leases(c, ns))
// satisfies it. Update must fail with a 409 Conflict when the lease's
// resourceVersion is stale, and Get with a 404 when it does not exist.
type LeaseClient interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (*coordinationv1.Lease, error)
	Create(ctx context.Context, lease *coordinationv1.Lease, opts metav1.CreateOptions) (*coordinationv1.Lease, error)
	Update(ctx context.Context, lease *coordinationv1.Lease, opts metav1.UpdateOptions) (*coordinationv1.Lease, error)
}

// Clock is the elector's time source. clock.RealClock{} and
// k8s.io/utils/clock/testing's *FakeClock satisfy it.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) clock.Timer
}

// Callbacks are called from Run's goroutine unless noted.
type Callbacks struct {
	// OnStartedLeading runs on its own goroutine once the lease is
	// acquired. Its ctx is cancelled when leadership ends; it must then
	// return promptly, since Run waits for it before releasing the lease.
	// Required.
	OnStartedLeading func(ctx context.Context)
	// OnStoppedLeading is called after OnStartedLeading has returned, if
	// this candidate led at all. Optional.
	OnStoppedLeading func()
	// OnNewLeader is called whenever the observed holder changes,
	// including to this candidate. It must not block. Optional.
	OnNewLeader func(identity string)
}

// Config configures Run.
type Config struct {
	// Lock reads and writes the Lease.
	Lock LeaseClient
	// Name of the Lease.
	Name string
	// Namespace is set on a Lease this candidate creates; leave it empty
	// if Lock is bound to a namespace.
	Namespace string
	// Identity names this candidate; it must be unique among them.
	Identity string

	// LeaseDuration is how long others wait before taking over an
	// unrenewed lease (default 15s).
	LeaseDuration time.Duration
	// RenewDeadline is how long the leader keeps trying to renew before
	// giving up (default 10s).
	RenewDeadline time.Duration
	// RetryPeriod is the interval between attempts (default 2s).
	RetryPeriod time.Duration

	Callbacks Callbacks
	// ReleaseOnCancel clears holderIdentity when ctx is cancelled, so
	// another candidate can take over without waiting LeaseDuration.
	ReleaseOnCancel bool

	// Logger defaults to slog.Default(); Clock to the real clock.
	Logger *slog.Logger
	Clock  Clock
}

// Defaults, as client-go's.
const (
	DefaultLeaseDuration = 15 * time.Second
	DefaultRenewDeadline = 10 * time.Second
	DefaultRetryPeriod   = 2 * time.Second
	// jitterFactor spreads candidates' retries: a wait is RetryPeriod
	// times a random factor in [1, 1+jitterFactor).
	jitterFactor = 1.2
)

// ErrLostLeadership is returned by Run when leadership ended while its
// context was still live.
var ErrLostLeadership = errors.New("leaderelection: lost leadership")

// withDefaults fills in defaults and checks the configuration.
func (c Config) withDefaults() (Config, error) {
	if c.LeaseDuration == 0 {
		c.LeaseDuration = DefaultLeaseDuration
	}
	if c.RenewDeadline == 0 {
		c.RenewDeadline = DefaultRenewDeadline
	}
	if c.RetryPeriod == 0 {
		c.RetryPeriod = DefaultRetryPeriod
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	switch {
	case c.Lock == nil:
		return c, errors.New("leaderelection: Lock is required")
	case c.Name == "":
		return c, errors.New("leaderelection: Name is required")
	case c.Identity == "":
		return c, errors.New("leaderelection: Identity is required")
	case c.Callbacks.OnStartedLeading == nil:
		return c, errors.New("leaderelection: Callbacks.OnStartedLeading is required")
	case c.RetryPeriod < 0:
		return c, fmt.Errorf("leaderelection: RetryPeriod %v must be positive", c.RetryPeriod)
	case c.LeaseDuration <= c.RenewDeadline:
		return c, fmt.Errorf("leaderelection: LeaseDuration %v must exceed RenewDeadline %v", c.LeaseDuration, c.RenewDeadline)
	case float64(c.RenewDeadline) <= jitterFactor*float64(c.RetryPeriod):
		return c, fmt.Errorf("leaderelection: RenewDeadline %v must exceed %v×RetryPeriod %v", c.RenewDeadline, jitterFactor, c.RetryPeriod)
	}
	return c, nil
}

// The typed client's Lease resource is a LeaseClient.
var _ LeaseClient = (*client.Resource[*coordinationv1.Lease])(nil)
