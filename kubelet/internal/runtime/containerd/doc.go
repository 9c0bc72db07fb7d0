// Package containerd is the real runtime.Runtime: pods' containers run
// through containerd's Go client (v1.7, which drives containerd 1.6+) in
// the containerd namespace "wharf" with runc and overlayfs.
//
//	EnsureImage   GetImage → Pull (WithPullUnpack) → Unpack; images imported
//	              from tarballs (ImportImages) are never pulled again; pull
//	              credentials ride in ctx (runtime.WithCredentials, from
//	              imagePullSecrets) into a per-pull resolver (auth.go)
//	Create        NewContainer(image, snapshot, labels, OCI spec: args, env,
//	              hostname, netns path, bind mounts, user, privileged,
//	              cgroupsPath <pod cgroup>/<name>-<attempt>, cpu shares/CFS
//	              quota, memory and pids limits, oom_score_adj: resources.go)
//	Start         NewTask(cio.LogFile(LogPath)) → Start; start time kept in a
//	              container label
//	Stop          SIGTERM, wait grace, SIGKILL (all processes)
//	Remove        task delete (kill) → container delete (snapshot cleanup)
//
// Exit reasons: a non-zero exit is OOMKilled when the container's memory
// cgroup counted an OOM kill (memory.oom_control on v1, memory.events on
// v2; the cgroup lives until the task is deleted); the answer is cached in
// the container label io.wharf.container.oom-killed.
//
// Task stdout/stderr go straight from the shim to the log file, so logs
// and running containers survive a kubelet restart.
package containerd
