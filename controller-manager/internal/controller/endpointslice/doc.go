// Package endpointslice is the EndpointSlice controller: for every Service
// with a selector it keeps discovery.k8s.io/v1 EndpointSlices, at most
// MaxEndpointsPerSlice endpoints each, labelled with the service name and
// this controller as manager, and owned by the Service (so the garbage
// collector removes them with it).
//
//	service/pod/slice events ──► queue(service key) ──► sync
//	    read:    service, its pods, its managed slices (listers)
//	    compute: Desired (endpoints grouped by ports, chunked), Plan (diff)
//	    write:   create/update/delete slices
//
// Vocabulary: a "desired slice" is the content one slice should hold; the
// plan reuses existing slices in name order before creating new ones, so a
// steady state rewrites nothing.
package endpointslice
