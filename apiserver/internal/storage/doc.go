// Package storage is the apiserver's etcd layer: byte values under string
// keys with optimistic concurrency on etcd's mod revision. It knows
// nothing about API objects; callers encode and decode.
//
//	key   /registry/<resource>/[<namespace>/]<name>
//	value the object's JSON with metadata.resourceVersion cleared
//	rev   etcd ModRevision == the object's resourceVersion
//
// Every write is one etcd Txn: Create compares CreateRevision==0, Update
// and Delete compare ModRevision==expected. Watch turns etcd watch
// responses into Events; the watch cache (internal/watchcache) is its only
// long-lived user. RunCompactor compacts history as kube-apiserver does.
package storage
