package app

import (
	"context"
	"time"
)

// runner calls sync when poked, at most once per minInterval; also every
// interval (a partial sync: it writes what changed, usually nothing, and
// refreshes /healthz), with full=true every fullInterval, and again after
// minInterval when a sync failed. Poke never blocks: bursts of events
// collapse into one sync.
type runner struct {
	sync         func(ctx context.Context, full bool) error
	minInterval  time.Duration
	interval     time.Duration
	fullInterval time.Duration
	poke         chan struct{}
}

func newRunner(sync func(context.Context, bool) error, minInterval, interval, fullInterval time.Duration) *runner {
	return &runner{sync: sync, minInterval: minInterval, interval: interval, fullInterval: fullInterval,
		poke: make(chan struct{}, 1)}
}

// Poke asks for a sync soon.
func (r *runner) Poke() {
	select {
	case r.poke <- struct{}{}:
	default:
	}
}

// Run syncs until ctx ends. The first sync is a full one.
func (r *runner) Run(ctx context.Context) {
	full := time.NewTicker(r.fullInterval)
	defer full.Stop()
	periodic := time.NewTicker(r.interval)
	defer periodic.Stop()
	var last time.Time
	wantFull := true
	for {
		if !wantFull {
			select {
			case <-ctx.Done():
				return
			case <-r.poke:
			case <-periodic.C:
			case <-full.C:
				wantFull = true
			}
		}
		if wait := r.minInterval - time.Since(last); wait > 0 && !last.IsZero() {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		select { // changes that came while waiting are in this sync
		case <-r.poke:
		default:
		}
		last = time.Now()
		err := r.sync(ctx, wantFull)
		wantFull = false
		if err != nil && ctx.Err() == nil {
			r.Poke() // retried after minInterval; the syncer makes it full
		}
	}
}
