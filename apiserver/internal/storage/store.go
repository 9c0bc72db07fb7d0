package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Store reads and writes keys in etcd. It is safe for concurrent use.
type Store struct {
	c   *clientv3.Client
	log *slog.Logger
}

// New returns a Store over c. The caller keeps ownership of c.
func New(c *clientv3.Client) *Store {
	return &Store{c: c, log: slog.New(slog.DiscardHandler)}
}

// WithLogger returns a copy of s that logs background work (compaction)
// to l.
func (s *Store) WithLogger(l *slog.Logger) *Store {
	if l == nil {
		return s
	}
	return &Store{c: s.c, log: l}
}

// Client returns the underlying etcd client.
func (s *Store) Client() *clientv3.Client { return s.c }

// Create stores value under key if the key does not exist and returns the
// revision of the write. ErrExists if it does.
func (s *Store) Create(ctx context.Context, key string, value []byte) (int64, error) {
	resp, err := s.c.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, string(value))).
		Commit()
	if err != nil {
		return 0, fmt.Errorf("storage: create %s: %w", key, err)
	}
	if !resp.Succeeded {
		return 0, fmt.Errorf("storage: create %s: %w", key, ErrExists)
	}
	return resp.Header.Revision, nil
}

// Get returns the current value of key. ErrNotFound if there is none.
func (s *Store) Get(ctx context.Context, key string) (KV, error) {
	resp, err := s.c.Get(ctx, key)
	if err != nil {
		return KV{}, fmt.Errorf("storage: get %s: %w", key, err)
	}
	if len(resp.Kvs) == 0 {
		return KV{}, fmt.Errorf("storage: get %s: %w", key, ErrNotFound)
	}
	kv := resp.Kvs[0]
	return KV{Key: string(kv.Key), Value: kv.Value, ModRevision: kv.ModRevision}, nil
}

// Update replaces the value of key if its mod revision is still
// expectedRev and returns the revision of the write, in one Txn.
// ErrNotFound if the key is gone; if it changed since expectedRev the error
// is a *ConflictError (errors.Is ErrConflict) carrying the current value,
// so a read-modify-write loop can retry without another read.
func (s *Store) Update(ctx context.Context, key string, value []byte, expectedRev int64) (int64, error) {
	resp, err := s.c.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(key), "=", expectedRev)).
		Then(clientv3.OpPut(key, string(value))).
		Else(clientv3.OpGet(key)).
		Commit()
	if err != nil {
		return 0, fmt.Errorf("storage: update %s: %w", key, err)
	}
	if !resp.Succeeded {
		err := failedCompare(resp)
		if r := resp.Responses[0].GetResponseRange(); errors.Is(err, ErrConflict) && r != nil && len(r.Kvs) > 0 {
			kv := r.Kvs[0]
			err = &ConflictError{Current: KV{Key: string(kv.Key), Value: kv.Value, ModRevision: kv.ModRevision}}
		}
		return 0, fmt.Errorf("storage: update %s at revision %d: %w", key, expectedRev, err)
	}
	return resp.Header.Revision, nil
}

// ConflictError is the ErrConflict of Update with the key's current value.
type ConflictError struct {
	Current KV
}

func (e *ConflictError) Error() string { return ErrConflict.Error() }

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Delete removes key and returns its last value; the returned KV's
// ModRevision is the revision of the delete. expectedRev 0 deletes
// unconditionally, otherwise the key's mod revision must equal it.
// ErrNotFound if the key does not exist, ErrConflict if it changed.
func (s *Store) Delete(ctx context.Context, key string, expectedRev int64) (KV, error) {
	cmp := clientv3.Compare(clientv3.CreateRevision(key), ">", 0)
	if expectedRev != 0 {
		cmp = clientv3.Compare(clientv3.ModRevision(key), "=", expectedRev)
	}
	resp, err := s.c.Txn(ctx).
		If(cmp).
		Then(clientv3.OpDelete(key, clientv3.WithPrevKV())).
		Else(clientv3.OpGet(key, clientv3.WithKeysOnly())).
		Commit()
	if err != nil {
		return KV{}, fmt.Errorf("storage: delete %s: %w", key, err)
	}
	if !resp.Succeeded {
		return KV{}, fmt.Errorf("storage: delete %s: %w", key, failedCompare(resp))
	}
	del := resp.Responses[0].GetResponseDeleteRange()
	if del == nil || len(del.PrevKvs) == 0 {
		// Another delete won between compare and apply: impossible in a
		// single Txn, but never trust it with a panic.
		return KV{}, fmt.Errorf("storage: delete %s: %w", key, ErrNotFound)
	}
	return KV{Key: key, Value: del.PrevKvs[0].Value, ModRevision: resp.Header.Revision}, nil
}

// failedCompare tells why a Txn with an Else(OpGet(key)) failed its
// compare: the key is gone (ErrNotFound) or changed (ErrConflict).
func failedCompare(resp *clientv3.TxnResponse) error {
	if len(resp.Responses) > 0 {
		if r := resp.Responses[0].GetResponseRange(); r != nil && len(r.Kvs) == 0 {
			return ErrNotFound
		}
	}
	return ErrConflict
}

// CurrentRevision returns etcd's current revision.
func (s *Store) CurrentRevision(ctx context.Context) (int64, error) {
	resp, err := s.c.Get(ctx, "/", clientv3.WithCountOnly())
	if err != nil {
		return 0, fmt.Errorf("storage: current revision: %w", err)
	}
	return resp.Header.Revision, nil
}

// Compact discards history before rev. Compacting to an already compacted
// revision is not an error.
func (s *Store) Compact(ctx context.Context, rev int64) error {
	_, err := s.c.Compact(ctx, rev)
	if err != nil && !errors.Is(err, rpctypes.ErrCompacted) {
		return fmt.Errorf("storage: compact to %d: %w", rev, err)
	}
	return nil
}

// isCompacted reports whether err is etcd's "required revision has been
// compacted".
func isCompacted(err error) bool {
	return errors.Is(err, rpctypes.ErrCompacted) || errors.Is(rpctypes.Error(err), rpctypes.ErrCompacted)
}
