// Package statefulset is the StatefulSet controller: pods with stable
// identities <set>-0 … <set>-(n-1), each with its own PersistentVolumeClaims
// <claim>-<set>-<ordinal> made from spec.volumeClaimTemplates.
//
//	set/pod events ──► queue(key) ──► sync(key)
//	    read:    set, its pods and claims (listers)
//	    compute: pods by ordinal → the next actions (plan)
//	    write:   create claims and pods, delete pods, status
//
// Vocabulary (as upstream):
//
//   - OrderedReady: pod i is created only when 0…i-1 are Running and
//     Ready; scale-down removes the highest ordinal first, one at a time,
//     only while the others are healthy. Parallel drops the ordering.
//   - revision: <set>-<template hash>, carried by every pod in the
//     controller-revision-hash label. A RollingUpdate replaces pods of an
//     old revision from the highest ordinal down to spec.updateStrategy
//     .rollingUpdate.partition, one at a time once the rest are ready.
//   - identity: hostname = pod name, subdomain = spec.serviceName, labels
//     statefulset.kubernetes.io/pod-name and apps.kubernetes.io/pod-index.
package statefulset
