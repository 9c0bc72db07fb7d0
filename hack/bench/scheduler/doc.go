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
package main
