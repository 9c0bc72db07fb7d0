// Package watchcache keeps one resource's objects in memory, fed by a
// single etcd watch, and serves every watch and every resourceVersion="0"
// list of that resource from memory.
//
//	etcd ──Store.Watch(prefix)──► run goroutine ──apply──► objects (btree by key), rev
//	                                    │                 ring of recent records
//	                                    └──dispatch──► Watcher.out (buffered chan) × N
//
// Vocabulary:
//   - record: one change (key, revision, current and previous object) kept
//     in the ring so watches can resume from a revision.
//   - oldest: every change with a revision above it is still in the ring;
//     resuming from below it fails with ErrTooOld (410 Gone).
//   - Event: what a watcher receives. Events of one record and type are
//     shared by all watchers, and so is their encoded Frame.
//
// One goroutine applies changes and dispatches them; a watcher whose
// buffer is full is ended with ErrSlow instead of blocking the others.
// After a compaction (or any loss of the etcd watch position) the cache
// relists and ends every watcher with ErrTooOld so clients relist too.
package watchcache
