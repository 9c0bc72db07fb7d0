// Package images builds Wharf's test container images without a registry or
// a Docker daemon, with go-containerregistry, as OCI image-layout tarballs
// that containerd imports (`ctr images import`, the kubelet's
// --image-import-dir):
//
//	hello  /hello, a static Go HTTP server answering "Hello OpenShift!" on
//	       :8080 (the seeds' hello-openshift); built from ./hello; named
//	       both hello:latest and openshift/hello-openshift:latest.
//	tools  Debian's busybox-static as /bin/busybox with a symlink per applet
//	       (sh, sleep, wget, cat, ls, ...); entrypoint sh.
//
// Every image config carries os and architecture: containerd's import drops
// images whose config lacks them for the host platform. Tarballs name the
// image in the index's io.containerd.image.name annotation
// ("docker.io/library/hello:latest") and org.opencontainers.image.ref.name.
package images
