// Command scheduler-bench measures a scheduler in scheduler_perf's
// SchedulingBasic shape against a real wharf-apiserver (embedded etcd), all
// on 127.0.0.1:
//
//	for each case (N nodes, M pods):
//	  start wharf-apiserver (fresh data dir)
//	  create N Node objects (4 cpu, 32Gi, 110 pods, Ready)
//	  start the scheduler binary (wharf-scheduler, or upstream
//	    kube-scheduler with --upstream) and wait until it binds a probe pod
//	  watch pods; create M pods (100m cpu, 500Mi) with 64 clients
//	  pods/s = M / (first create → last bind seen on the watch)
//	  latency of a pod = create sent → bind seen; report p50 / p99
//	  scheduler peak RSS from /proc/<pid>/status (VmHWM)
//
// hack/bench/scheduler/run.sh builds the binaries and prints the table.
// --upstream runs kube-scheduler (leader election off, qps 5000) on the same
// cases after wharf; build it in a scratch module outside this repo from
// k8s.io/kubernetes@v1.37.2 cmd/kube-scheduler/app with every k8s.io staging
// module replaced by its v0.37.2 release. --upstream-args=-v=4 shows what it
// waits for. Its events go to core/v1 Events (events.k8s.io/v1 is not served;
// client-go's event adapter falls back when discovery lacks it).
package main
