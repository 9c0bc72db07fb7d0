// Package discovery serves the apiserver's discovery documents, all built
// from the resource catalogue (proto/api):
//
//	GET /api                  APIVersions            (or aggregated, see below)
//	GET /apis                 APIGroupList           (or aggregated)
//	GET /apis/<group>         APIGroup
//	GET /api/v1               APIResourceList
//	GET /apis/<group>/<ver>   APIResourceList
//	GET /version              version.Info
//
// Aggregated discovery: clients since kubectl 1.30 first ask /api and /apis
// with Accept "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
// they then get one apidiscovery.k8s.io/v2 APIGroupDiscoveryList holding every
// group, version and resource, and need no per-group-version requests. Any
// other Accept gets the legacy document.
//
// Resources outside the catalogue (the create-only review APIs, the
// events.k8s.io/v1 view of core Events) are advertised through
// Config.Extra with verbs of their own.
//
// Vocabulary: a "subresource entry" is a discovery row such as
// "pods/status"; its verbs and response kind come from subresourceSpecs.
package discovery
