//go:build density

// Package density is the cluster density benchmark (issue 12): on a real
// 3-node cluster started by hack/cluster (containerd, kubelet, flannel and
// proxy per node), create 100 pods of the hello image and measure
//
//	startup  per pod, from the create request to the watch event showing it
//	         Running with every container running (upstream's pod startup
//	         latency SLO: p99 ≤ 5 s);
//	API      latency of every API call the benchmark makes during the run:
//	         the creates, plus a prober that gets a Node, gets a pod and
//	         lists the namespace's pods every 100 ms (SLO: p99 ≤ 1 s).
//
// BenchmarkDensity reports p50/p99 startup, API p99 and the wall time to
// all Running as metrics and logs a table. WHARF_DENSITY_PODS overrides the
// pod count. It needs root and the density build tag, which keeps it out
// of hack/test.sh (run.sh and hack/bench/run.sh set it):
//
//	go test -tags density -run '^$' -bench Density -benchtime 1x ./hack/bench/density
package density
