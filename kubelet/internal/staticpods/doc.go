// Package staticpods reads static pod manifests from a directory
// (--pod-manifest-path), as upstream's kubelet file source does.
//
//	DIR/*.yaml|*.yml|*.json ──Parse──► *corev1.Pod (defaulted, hashed, named <name>-<node>)
//	Watch: scan at start, every Period and on fsnotify events ──emit──► full set of pods
//
// Vocabulary: a static pod is one the kubelet runs from a file, without
// the apiserver; its mirror pod is the copy the kubelet creates in the
// API so that clients see it (annotation kubernetes.io/config.mirror,
// owned by the Node). The config hash (kubernetes.io/config.hash) is an
// md5 of the manifest, the node and the file name; it is also the static
// pod's UID, so an edited manifest is a new pod. Bad files are logged and
// skipped; they never stop the others.
package staticpods
