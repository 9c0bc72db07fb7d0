// Package requestinfo splits a Kubernetes API request URL into what it
// names, following upstream's RequestInfoFactory. The authorizer and the
// resource handlers both use it, so a request is authorized as exactly the
// resource, verb and namespace it is served as.
//
//	/api/<version>/<resource path>
//	/apis/<group>/<version>/<resource path>
//	resource path: [watch/][namespaces/<ns>/]<resource>[/<name>[/<subresource>]]
//	anything else: a non-resource request (/healthz, /openapi/v3, /api, ...)
package requestinfo

import (
	"net/http"
	"net/url"
	"strings"
)

// Resource is a resource path split into its parts. A path naming a
// namespace itself (namespaces/<ns>, namespaces/<ns>/status,
// namespaces/<ns>/finalize) has Resource "namespaces", Name <ns> and an
// empty Namespace: namespaces are cluster-scoped.
type Resource struct {
	// WatchPrefix is set for the deprecated watch/ prefix.
	WatchPrefix bool
	Namespace   string
	Resource    string
	Name        string
	Subresource string
	// Extra holds segments after the subresource; a valid URL has none.
	Extra []string
}

// SplitResource splits a resource path, the part of a URL path after
// /api/<version> or /apis/<group>/<version>.
func SplitResource(rest string) Resource {
	return splitParts(strings.Split(strings.Trim(rest, "/"), "/"))
}

func splitParts(parts []string) Resource {
	var r Resource
	if len(parts) > 0 && parts[0] == "watch" {
		r.WatchPrefix, parts = true, parts[1:]
	}
	if len(parts) > 2 && parts[0] == "namespaces" && parts[2] != "status" && parts[2] != "finalize" {
		r.Namespace, parts = parts[1], parts[2:]
	}
	fields := []*string{&r.Resource, &r.Name, &r.Subresource}
	for i, f := range fields {
		if i < len(parts) {
			*f = parts[i]
		}
	}
	if len(parts) > len(fields) {
		r.Extra = parts[len(fields):]
	}
	return r
}

// Info is what a whole request URL asks for.
type Info struct {
	// IsResourceRequest is false for paths outside /api/<version>/ and
	// /apis/<group>/<version>/; only Path and Verb are set then.
	IsResourceRequest bool
	// Path is the URL path as sent.
	Path       string
	APIGroup   string
	APIVersion string
	Resource
	// Verb is upstream's verb (get, list, watch, create, update, patch,
	// delete, deletecollection) for resource requests and the lower-case
	// HTTP method otherwise.
	Verb string
}

// Parse derives the Info of a request with the given method and URL.
func Parse(method string, u *url.URL) Info {
	info := Info{Path: u.Path, Verb: strings.ToLower(method)}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		info.APIVersion, parts = parts[1], parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		info.APIGroup, info.APIVersion, parts = parts[1], parts[2], parts[3:]
	default:
		return info
	}
	info.IsResourceRequest = true
	info.Resource = splitParts(parts)
	watching := info.WatchPrefix || IsTrue(u.Query().Get("watch"))
	info.Verb = Verb(method, info.Name != "", watching)
	return info
}

// Verb maps an HTTP method to upstream's resource verb: named tells
// whether the URL names one object, watching whether it asks to watch.
func Verb(method string, named, watching bool) string {
	switch method {
	case http.MethodGet, http.MethodHead:
		switch {
		case watching:
			return "watch"
		case named:
			return "get"
		}
		return "list"
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		if named {
			return "delete"
		}
		return "deletecollection"
	}
	return strings.ToLower(method)
}

// IsTrue reports whether a boolean query parameter such as watch=1 is set.
func IsTrue(s string) bool { return s == "1" || s == "true" || s == "True" }
