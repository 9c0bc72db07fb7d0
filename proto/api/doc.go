// Package api is Wharf's catalogue of API resources: for every resource the
// apiserver serves it records the group/version, plural name, kind,
// scope, short names, categories, verbs, subresources and the Go types that
// carry it on the wire.
//
// The wire types themselves are upstream's k8s.io/api structs, so Wharf's
// JSON is byte-for-byte what a kube-apiserver sends and what kubectl and
// client-go expect. Everything that needs to know "what resources exist"
// (the apiserver's router and discovery, the client, the CLI) reads this
// catalogue instead of keeping its own list.
//
//	Info{Group: "apps", Version: "v1", Resource: "deployments", Kind: "Deployment", ...}
//	        │                         │
//	   URL path /apis/apps/v1/...   JSON "kind"
package api
