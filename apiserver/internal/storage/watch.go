package storage

import (
	"context"
	"fmt"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// WatchResult is one batch from Watch: events in revision order, or a
// progress notification (no events, Revision set), or a terminal error.
type WatchResult struct {
	Events []Event
	// Revision is set on progress notifications: every event up to and
	// including it has been delivered.
	Revision int64
	// Err ends the watch; the channel closes after it. It wraps
	// ErrCompacted when the start revision has been compacted.
	Err error
}

// Watch streams changes to keys under prefix starting at revision fromRev
// (inclusive; 0 means "from now"). Deletes carry the last value in
// PrevValue. The channel closes when ctx ends or after a result with Err.
// The consumer must keep reading: results are not dropped.
func (s *Store) Watch(ctx context.Context, prefix string, fromRev int64) <-chan WatchResult {
	out := make(chan WatchResult, 16)
	ctx = clientv3.WithRequireLeader(ctx)
	opts := []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithPrevKV(), clientv3.WithProgressNotify()}
	if fromRev > 0 {
		opts = append(opts, clientv3.WithRev(fromRev))
	}
	wch := s.c.Watch(ctx, prefix, opts...)
	go func() {
		defer close(out)
		for resp := range wch {
			res := convert(prefix, fromRev, resp)
			select {
			case out <- res:
			case <-ctx.Done():
				return
			}
			if res.Err != nil {
				return
			}
		}
		if ctx.Err() == nil {
			// etcd closed the channel without an error response.
			send(ctx, out, WatchResult{Err: fmt.Errorf("storage: watch %s: channel closed", prefix)})
		}
	}()
	return out
}

func send(ctx context.Context, out chan<- WatchResult, r WatchResult) {
	select {
	case out <- r:
	case <-ctx.Done():
	}
}

// convert turns one etcd watch response into a WatchResult.
func convert(prefix string, fromRev int64, resp clientv3.WatchResponse) WatchResult {
	if err := resp.Err(); err != nil {
		if resp.CompactRevision != 0 || isCompacted(err) {
			return WatchResult{Err: fmt.Errorf("storage: watch %s from %d (compacted at %d): %w",
				prefix, fromRev, resp.CompactRevision, ErrCompacted)}
		}
		return WatchResult{Err: fmt.Errorf("storage: watch %s: %w", prefix, err)}
	}
	if resp.IsProgressNotify() {
		return WatchResult{Revision: resp.Header.Revision}
	}
	evs := make([]Event, len(resp.Events))
	for i, e := range resp.Events {
		ev := Event{Key: string(e.Kv.Key), Revision: e.Kv.ModRevision}
		if e.PrevKv != nil {
			ev.PrevValue = e.PrevKv.Value
		}
		if e.Type == mvccpb.DELETE {
			ev.Type = EventDelete
		} else {
			ev.Type, ev.Value, ev.Created = EventPut, e.Kv.Value, e.IsCreate()
		}
		evs[i] = ev
	}
	return WatchResult{Events: evs}
}

// RequestProgress asks etcd to send a progress notification on every open
// Watch once it has delivered all events up to the current revision. The
// watch cache uses it to learn that it is up to date.
func (s *Store) RequestProgress(ctx context.Context) error {
	if err := s.c.RequestProgress(clientv3.WithRequireLeader(ctx)); err != nil {
		return fmt.Errorf("storage: request watch progress: %w", err)
	}
	return nil
}
