// Package volumes makes a pod's volumes exist on the node, one directory
// per volume under the pod's directory, the way upstream lays them out:
//
//	<root>/pods/<uid>/volumes/kubernetes.io~empty-dir/<name>    (tmpfs for medium Memory)
//	                          kubernetes.io~configmap/<name>    ┐ atomic writer:
//	                          kubernetes.io~secret/<name>       │ <key> -> ..data/<key>
//	                          kubernetes.io~downward-api/<name> │ ..data -> ..<timestamp>/
//	                          kubernetes.io~projected/<name>    ┘ (secret, projected on tmpfs)
//	hostPath and persistentVolumeClaim (-> bound hostPath/local PV) use the
//	node's own path.
//
// Setup is idempotent and is called again periodically: content volumes
// are re-rendered and swapped in atomically (a rename of the ..data
// symlink) only when their content changed, so containers see a
// ConfigMap or Secret update without a restart. Teardown unmounts what
// Setup mounted; the caller then removes the pod directory.
package volumes
