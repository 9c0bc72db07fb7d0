// Package bench measures the Wharf apiserver against the figures issue 3
// sets, on this machine:
//
//	(a) raw embedded etcd txn-creates/s (1 KiB values), 64 clients and serial
//	(b) pod creates/s through the apiserver, 64 concurrent HTTP clients
//	(c) p99 create-acknowledged → watch-event latency with N open watches
//	(d) latency of a resourceVersion=0 list of all pods
//	(e) apiserver RSS with those pods and watches open
//
// (a) runs etcd in process (go.etcd.io/etcd/server/v3/embed) and talks to it
// over gRPC on 127.0.0.1. (b)–(e) run the real wharf-apiserver binary as a
// child process (APIServer) so its RSS can be read from /proc/<pid>/status;
// they speak plain net/http + JSON to it, as any client would.
//
// Suite runs them in order b → d → c+e on one apiserver, so the list and
// the RSS figure see the pods that (b) created. Results are Rows, printed as
// a table by WriteTable. cmd/apiserver-bench is the command-line front end;
// hack/bench/run.sh builds and runs it.
//
// Every load loop is bounded by a count and by its context, and every
// address is 127.0.0.1.
package bench
