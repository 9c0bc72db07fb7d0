// Package etcd starts an embedded etcd server for single-binary setups and
// dials external etcd clusters (--etcd-servers). It knows nothing about API
// objects; internal/storage layers keys and revisions on top of the client.
//
//	StartEmbedded(ctx, EmbeddedConfig{DataDir: ...}) ──► *Embedded ──Endpoints()──┐
//	                                                                              ▼
//	                                                   Dial(ctx, endpoints) ──► *clientv3.Client
//
// etcd's own zap logging is forwarded to slog at error level only, so a
// healthy server is silent.
package etcd
