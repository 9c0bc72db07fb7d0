package storage

import (
	"context"
	"fmt"
	"strconv"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// compactRevKey is the key apiservers use to agree on compactions: the
// same key and protocol as kube-apiserver, so only one of several
// apiservers sharing an etcd compacts each interval.
const compactRevKey = "compact_rev_key"

// RunCompactor compacts etcd every interval to the revision seen one
// interval earlier (kube-apiserver uses 5 minutes), until ctx ends.
// Several apiservers may run it against one etcd; a Txn on compactRevKey
// elects which one compacts each round.
func (s *Store) RunCompactor(ctx context.Context, interval time.Duration) {
	log := s.log
	t := time.NewTicker(interval)
	defer t.Stop()
	var version, rev int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		v, r, err := s.compactRound(ctx, version, rev)
		if err != nil {
			log.WarnContext(ctx, "etcd compaction failed", "err", err)
			continue
		}
		version, rev = v, r
	}
}

// compactRound claims the round whose compactRevKey version is version and
// compacts to prevRev if it wins. It returns the version and current
// revision to use next round.
func (s *Store) compactRound(ctx context.Context, version, prevRev int64) (int64, int64, error) {
	resp, err := s.c.Txn(ctx).
		If(clientv3.Compare(clientv3.Version(compactRevKey), "=", version)).
		Then(clientv3.OpPut(compactRevKey, strconv.FormatInt(prevRev, 10))).
		Else(clientv3.OpGet(compactRevKey)).
		Commit()
	if err != nil {
		return version, prevRev, fmt.Errorf("storage: compaction claim: %w", err)
	}
	cur := resp.Header.Revision
	if !resp.Succeeded {
		// Someone else compacted this round; follow its version.
		if kvs := resp.Responses[0].GetResponseRange().GetKvs(); len(kvs) > 0 {
			return kvs[0].Version, cur, nil
		}
		return version, cur, nil
	}
	if prevRev > 0 {
		if err := s.Compact(ctx, prevRev); err != nil {
			return version + 1, cur, err
		}
	}
	return version + 1, cur, nil
}
