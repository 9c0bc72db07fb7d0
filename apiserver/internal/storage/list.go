package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// List returns the keys under prefix in key order, one page at a time.
// A page starts at opts.StartKey (which must lie under prefix) and holds
// at most opts.Limit keys. With opts.Revision set the page is read as of
// that revision, so later pages are consistent with the first; ErrCompacted
// if that revision has been compacted.
func (s *Store) List(ctx context.Context, prefix string, opts ListOptions) (ListResult, error) {
	if prefix == "" {
		return ListResult{}, errors.New("storage: list: empty prefix")
	}
	if opts.Limit < 0 || opts.Revision < 0 {
		return ListResult{}, fmt.Errorf("storage: list %s: negative limit or revision", prefix)
	}
	start := prefix
	if opts.StartKey != "" {
		if !strings.HasPrefix(opts.StartKey, prefix) {
			return ListResult{}, fmt.Errorf("storage: list %s: start key %q is outside the prefix", prefix, opts.StartKey)
		}
		start = opts.StartKey
	}
	ops := []clientv3.OpOption{clientv3.WithRange(clientv3.GetPrefixRangeEnd(prefix))}
	if opts.Limit > 0 {
		ops = append(ops, clientv3.WithLimit(opts.Limit))
	}
	if opts.Revision > 0 {
		ops = append(ops, clientv3.WithRev(opts.Revision))
	}
	resp, err := s.c.Get(ctx, start, ops...)
	if err != nil {
		if isCompacted(err) {
			return ListResult{}, fmt.Errorf("storage: list %s at revision %d: %w", prefix, opts.Revision, ErrCompacted)
		}
		return ListResult{}, fmt.Errorf("storage: list %s: %w", prefix, err)
	}
	res := ListResult{Items: make([]KV, len(resp.Kvs)), Revision: resp.Header.Revision, More: resp.More}
	if opts.Revision > 0 {
		res.Revision = opts.Revision
	}
	for i, kv := range resp.Kvs {
		res.Items[i] = KV{Key: string(kv.Key), Value: kv.Value, ModRevision: kv.ModRevision}
	}
	if res.More && len(res.Items) > 0 {
		res.NextKey = res.Items[len(res.Items)-1].Key + "\x00"
	}
	return res, nil
}
