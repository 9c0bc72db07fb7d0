// Package streaming serves the kubelet's interactive endpoints — exec,
// attach and portForward — that the apiserver proxies pods/exec,
// pods/attach and pods/portforward to.
//
//	kubectl ──ws v5 / SPDY──▶ apiserver (reverse proxy, Upgrade) ──▶ kubelet /exec/{ns}/{pod}/{container}
//	                                                              └─▶ runtime.ExecStream (containerd task.Exec)
//	kubectl ──ws "SPDY/3.1+portforward.k8s.io" tunnel / SPDY──▶ … ──▶ kubelet /portForward/{ns}/{pod}
//	                                                              └─▶ 127.0.0.1:<port> in the pod's netns
//
// Wire protocols come from upstream libraries: k8s.io/cri-streaming serves
// SPDY (v1–v4.channel.k8s.io, portforward.k8s.io) and the pre-v5
// websocket protocols; this package adds what kubectl v1.37 speaks first
// and upstream's kubelet leaves to the apiserver: the v5.channel.k8s.io
// websocket (channel 255 closes stdin) and SPDY tunneled through a
// websocket for port forwarding.
//
// Vocabulary: a *stream* is one byte channel (stdin, stdout, stderr,
// error, resize); the *error stream* carries the final metav1.Status, with
// reason NonZeroExitCode and an ExitCode cause for a failed command.
package streaming
