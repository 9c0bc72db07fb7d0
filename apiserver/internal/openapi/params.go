package openapi

import (
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// queryParam is a query parameter of an operation; kind is the JSON type
// of its value.
func queryParam(name, kind, description string) *spec3.Parameter {
	return &spec3.Parameter{ParameterProps: spec3.ParameterProps{
		Name: name, In: "query", Description: description, Schema: &spec.Schema{SchemaProps: spec.SchemaProps{Type: []string{kind}}},
		Style: "form", Explode: false,
	}}
}

func pathParam(name, description string) *spec3.Parameter {
	return &spec3.Parameter{ParameterProps: spec3.ParameterProps{
		Name: name, In: "path", Required: true, Description: description, Schema: spec.StringProperty(),
	}}
}

var (
	paramPretty       = queryParam("pretty", "string", "If 'true', then the output is pretty printed.")
	paramDryRun       = queryParam("dryRun", "string", "When present, indicates that modifications should not be persisted. Valid value: All.")
	paramFieldManager = queryParam("fieldManager", "string", "fieldManager is a name associated with the actor or entity that is making these changes.")
	// paramFieldValidation is what kubectl looks for on a kind's PATCH
	// operation before it leaves validation to the server.
	paramFieldValidation = queryParam("fieldValidation", "string",
		"fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values: Ignore, Warn, Strict.")
	paramForce = queryParam("force", "boolean", "Force is going to \"force\" Apply requests.")
)

// writeParams are the query parameters of create, update and patch.
func writeParams(patch bool) []*spec3.Parameter {
	p := []*spec3.Parameter{paramPretty, paramDryRun, paramFieldManager, paramFieldValidation}
	if patch {
		p = append(p, paramForce)
	}
	return p
}

// listParams are the query parameters of list, watch and deletecollection.
func listParams() []*spec3.Parameter {
	return []*spec3.Parameter{
		paramPretty,
		queryParam("allowWatchBookmarks", "boolean", "allowWatchBookmarks requests watch events with type \"BOOKMARK\"."),
		queryParam("continue", "string", "The continue option should be set when retrieving more results from the server."),
		queryParam("fieldSelector", "string", "A selector to restrict the list of returned objects by their fields."),
		queryParam("labelSelector", "string", "A selector to restrict the list of returned objects by their labels."),
		queryParam("limit", "integer", "limit is a maximum number of responses to return for a list call."),
		queryParam("resourceVersion", "string", "resourceVersion sets a constraint on what resource versions a request may be served from."),
		queryParam("resourceVersionMatch", "string", "resourceVersionMatch determines how resourceVersion is applied to list calls."),
		queryParam("sendInitialEvents", "boolean", "sendInitialEvents=true may be set together with watch=true."),
		queryParam("timeoutSeconds", "integer", "Timeout for the list/watch call."),
		queryParam("watch", "boolean", "Watch for changes to the described resources and return them as a stream."),
	}
}

// deleteParams are the query parameters of delete and deletecollection.
func deleteParams() []*spec3.Parameter {
	return []*spec3.Parameter{
		paramPretty, paramDryRun,
		queryParam("gracePeriodSeconds", "integer", "The duration in seconds before the object should be deleted."),
		queryParam("orphanDependents", "boolean", "Deprecated: please use the PropagationPolicy."),
		queryParam("propagationPolicy", "string", "Whether and how garbage collection will be performed: Orphan, Background or Foreground."),
	}
}
