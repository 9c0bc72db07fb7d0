package leaderelection

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// elector is the state of one Run; only Run's goroutine touches it.
type elector struct {
	cfg Config
	log *slog.Logger

	// observed is the last record read or written and observedAt when
	// it last changed, on our clock; expiry is measured from there.
	observed   record
	observedAt time.Time
	reported   string // last identity given to OnNewLeader
}

// Run campaigns for the lease named in cfg until ctx ends. Once elected
// it calls OnStartedLeading and renews the lease; when leadership ends it
// cancels that callback's context, waits for it, optionally releases the
// lease, and calls OnStoppedLeading. It returns nil when ctx ends,
// ErrLostLeadership (wrapped) when renewing failed, or a configuration
// error.
func Run(ctx context.Context, cfg Config) error {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	e := &elector{cfg: cfg, log: cfg.Logger.With("lease", cfg.Name, "identity", cfg.Identity)}
	if !e.acquire(ctx) {
		return nil
	}
	leaderCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		cfg.Callbacks.OnStartedLeading(leaderCtx)
	}()
	lost := e.renew(ctx)
	cancel()
	<-done
	if lost == nil && cfg.ReleaseOnCancel {
		e.release(ctx)
	}
	if cfg.Callbacks.OnStoppedLeading != nil {
		cfg.Callbacks.OnStoppedLeading()
	}
	return lost
}

// acquire retries every jittered RetryPeriod until the lease is ours
// (true) or ctx ends (false).
func (e *elector) acquire(ctx context.Context) bool {
	e.log.Info("leaderelection: campaigning")
	for ctx.Err() == nil {
		if ok, _ := e.tryAcquireOrRenew(ctx); ok {
			e.log.Info("leaderelection: acquired lease")
			return true
		}
		jittered := time.Duration(float64(e.cfg.RetryPeriod) * (1 + jitterFactor*rand.Float64()))
		e.sleep(ctx, jittered)
	}
	return false
}

// renew renews every RetryPeriod. It returns nil when ctx ends and
// ErrLostLeadership when the lease could not be renewed for RenewDeadline
// or another candidate holds it.
func (e *elector) renew(ctx context.Context) error {
	lastRenew := e.cfg.Clock.Now()
	for e.sleep(ctx, e.cfg.RetryPeriod) {
		ok, other := e.tryAcquireOrRenew(ctx)
		switch {
		case ok:
			lastRenew = e.cfg.Clock.Now()
			continue
		case ctx.Err() != nil:
			return nil
		case other != "":
			e.log.Info("leaderelection: lease taken over", "holder", other)
			return fmt.Errorf("%w: lease %s is held by %q", ErrLostLeadership, e.cfg.Name, other)
		}
		if since := e.cfg.Clock.Now().Sub(lastRenew); since >= e.cfg.RenewDeadline {
			e.log.Info("leaderelection: failed to renew lease", "since", since)
			return fmt.Errorf("%w: lease %s not renewed for %v", ErrLostLeadership, e.cfg.Name, since)
		}
	}
	return nil
}

// tryAcquireOrRenew makes one attempt. ok means we hold the lease now;
// otherwise other names the live holder if there is one.
func (e *elector) tryAcquireOrRenew(ctx context.Context) (ok bool, other string) {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.RenewDeadline)
	defer cancel()
	now := e.cfg.Clock.Now()
	desired := record{holder: e.cfg.Identity, leaseDuration: e.cfg.LeaseDuration, acquireTime: now, renewTime: now}

	lease, err := e.cfg.Lock.Get(ctx, e.cfg.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return e.create(ctx, desired), ""
	}
	if err != nil {
		e.log.Warn("leaderelection: reading lease", "err", err)
		return false, ""
	}
	old := recordOf(lease)
	e.observe(old)
	if old.holder != "" && old.holder != e.cfg.Identity && !e.expired(now, old) {
		return false, old.holder
	}
	if old.holder == e.cfg.Identity {
		desired.acquireTime, desired.transitions = old.acquireTime, old.transitions
	} else {
		desired.transitions = old.transitions + 1
	}
	lease = lease.DeepCopy()
	desired.apply(lease)
	updated, err := e.cfg.Lock.Update(ctx, lease, metav1.UpdateOptions{})
	if err != nil {
		e.logWriteError("updating", err)
		return false, ""
	}
	e.observe(recordOf(updated))
	return true, ""
}

func (e *elector) create(ctx context.Context, desired record) bool {
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: e.cfg.Name, Namespace: e.cfg.Namespace}}
	desired.apply(lease)
	created, err := e.cfg.Lock.Create(ctx, lease, metav1.CreateOptions{})
	if err != nil {
		e.logWriteError("creating", err)
		return false
	}
	e.observe(recordOf(created))
	return true
}

// expired reports whether r's holder has had its whole lease duration,
// on our clock since we saw r change, to renew.
func (e *elector) expired(now time.Time, r record) bool {
	d := r.leaseDuration
	if d <= 0 {
		d = e.cfg.LeaseDuration
	}
	return !e.observedAt.Add(d).After(now)
}

// observe records r, restarting the expiry clock if it changed, and
// reports a new holder.
func (e *elector) observe(r record) {
	if e.observedAt.IsZero() || !r.equal(e.observed) {
		e.observed = r
		e.observedAt = e.cfg.Clock.Now()
	}
	if r.holder != "" && r.holder != e.reported {
		e.reported = r.holder
		if e.cfg.Callbacks.OnNewLeader != nil {
			e.cfg.Callbacks.OnNewLeader(r.holder)
		}
	}
}

// release clears holderIdentity if we still hold the lease, so the next
// candidate need not wait for it to expire. It uses a fresh context since
// ctx has ended.
func (e *elector) release(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.cfg.RenewDeadline)
	defer cancel()
	lease, err := e.cfg.Lock.Get(ctx, e.cfg.Name, metav1.GetOptions{})
	if err != nil {
		e.log.Warn("leaderelection: release: reading lease", "err", err)
		return
	}
	old := recordOf(lease)
	if old.holder != e.cfg.Identity {
		return
	}
	now := e.cfg.Clock.Now()
	released := record{leaseDuration: time.Second, acquireTime: now, renewTime: now, transitions: old.transitions}
	lease = lease.DeepCopy()
	released.apply(lease)
	if _, err := e.cfg.Lock.Update(ctx, lease, metav1.UpdateOptions{}); err != nil {
		e.logWriteError("releasing", err)
		return
	}
	e.log.Info("leaderelection: released lease")
}

func (e *elector) logWriteError(what string, err error) {
	if apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) {
		e.log.Debug("leaderelection: lost a race "+what+" lease", "err", err)
		return
	}
	e.log.Warn("leaderelection: "+what+" lease", "err", err)
}

// sleep waits d on the clock; false means ctx ended first.
func (e *elector) sleep(ctx context.Context, d time.Duration) bool {
	t := e.cfg.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C():
		return true
	}
}
