// Package cluster is the multi-node test harness: Start brings up a real
// Wharf cluster for one test and tears it down in t.Cleanup, even when the
// test fails or a component crashed.
//
//	host network namespace, 127.0.0.1 only
//	┌──────────────────────────────────────────────────────────────┐
//	│ etcd ×1|3 (hack/tools/etcd)                                  │
//	│ cp-1..3: wharf-apiserver (TLS, shared CA) ─ wharf-scheduler, │
//	│          wharf-controller-manager (own UTS namespace: the    │
//	│          Lease holder identity starts with the member name)  │
//	└─────────────────────────▲────────────────────────────────────┘
//	                          │ in-process forwarder (failover over apiservers);
//	                          │ apiserver → kubelet through an in-process CONNECT
//	                          │ proxy (HTTPS_PROXY) that dials inside the node's netns
//	netns wharf-ht-<pid>-<seq>-n1 … nN         netns …-ul (underlay)
//	┌───────────────────────────────┐          ┌──────────────────┐
//	│ 127.0.0.1:6443 → apiservers   │  eth0 ◀──┼─▶ bridge br0     │
//	│ containerd (own root/state)   │ 10.250.0.(10+i)/24          │
//	│ wharf-kubelet, -proxy,        │          └──────────────────┘
//	│ -flannel (when they exist)    │
//	└───────────────────────────────┘
//
// Vocabulary: a member is one control-plane host (cp-1…cp-3); a node is a
// worker network namespace. Components are started only if their binary
// builds and answers --help with a usage text; Cluster.Missing lists the
// ones that were not, so tests can skip with a clear reason instead of
// passing vacuously.
//
// Nothing touches the host's network: nodes live in named network
// namespaces (prefix wharf-ht-), links are created directly inside them,
// and the control plane listens on 127.0.0.1; the apiservers reach the
// kubelets only through the harness's egress proxy, which tunnels to this
// cluster's node addresses and refuses any other. Nothing is shared with
// another cluster either (clusters of parallel test processes included):
// each node's kubelet has its own cgroup parent, named like its namespace,
// and its own state, log and containerd directories. Every process is
// started by the harness and stopped by PID; RestartComponent restarts one
// with the same command line, data and log file, as systemd would. Leftovers of an earlier run whose test
// process is gone (namespaces, processes, mounts, cgroups, directories
// named wharf-ht-<pid>-…) are removed by the next Start. Start needs root.
package cluster
