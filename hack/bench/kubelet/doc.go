// Command kubelet-bench measures wharf-kubelet against issue 8's targets:
//
//	(a) pod startup latency, created → Running (image present), for N pods
//	    (default 30) created at once on one node: p50, p99 (target ≤ 2 s)
//	(b) the kubelet's CPU (target ≤ 5 % of a core) and RSS (≤ 100 MiB)
//	    while idle with M running pods (default 100)
//
// Layout, all started and stopped by PID here:
//
//	host netns: wharf-apiserver (127.0.0.1, embedded etcd)
//	            wharf-kubelet --pod-netns /run/netns/wharf-kb-<pid>
//	netns wharf-kb-<pid>: containerd (own root/state/socket), bridge cni0,
//	            and every pod's veth
//
// Pods run the locally built tools image (hack/images), imported with
// --image-import-dir, so nothing is pulled. Latency is measured from just
// before each create request to the first list (every 50 ms) that shows the
// pod Running. CPU is utime+stime from /proc/<pid>/stat over the idle
// window; RSS is VmRSS at its end. Needs root; hack/bench/kubelet/run.sh
// builds the binaries and runs it.
package main
