// Package runtime is the kubelet's view of a container runtime: images,
// and containers that belong to pods. Two implementations sit behind one
// interface:
//
//	Runtime ──┬── containerd.Containerd  real containers (subpackage containerd)
//	          │               namespace "wharf", runc, overlayfs
//	          └── Fake        in memory; unit tests and hollow nodes
//
// Vocabulary:
//
//   - attempt: the restart count of a container; every (re)start of a pod's
//     container is a new runtime container with attempt n+1, as upstream.
//   - labels: every container carries the pod's uid, namespace and name,
//     the container name and the attempt (Label* constants), so a restarted
//     kubelet rediscovers what it runs from the runtime alone and never
//     restarts a running container.
//   - pod network: there is no pause/sandbox container; containers join the
//     pod's network namespace by path (ContainerSpec.NetNSPath).
package runtime
