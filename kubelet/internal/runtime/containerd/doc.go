// Package containerd is the real runtime.Runtime: pods' containers run
// through containerd's Go client (v1.7, which drives containerd 1.6+) in
// the containerd namespace "wharf" with runc and overlayfs.
//
//	EnsureImage   GetImage → Pull (WithPullUnpack) → Unpack; images imported
//	              from tarballs (ImportImages) are never pulled again
//	Create        NewContainer(image, snapshot, labels, OCI spec: args, env,
//	              hostname, netns path, bind mounts, user, privileged)
//	Start         NewTask(cio.LogFile(LogPath)) → Start; start time kept in a
//	              container label
//	Stop          SIGTERM, wait grace, SIGKILL (all processes)
//	Remove        task delete (kill) → container delete (snapshot cleanup)
//
// Task stdout/stderr go straight from the shim to the log file, so logs
// and running containers survive a kubelet restart.
package containerd
