package openapi

import (
	"reflect"
	"strings"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/wharfhq/wharf/proto/api"
)

// Patch media types every PATCH operation accepts, as upstream lists them.
var patchTypes = []string{
	"application/json-patch+json", "application/merge-patch+json",
	"application/strategic-merge-patch+json", "application/apply-patch+yaml",
}

// builder3 assembles one group/version's OpenAPI v3 document.
type builder3 struct {
	gen   *generator
	paths map[string]*spec3.Path
}

// V3Path is the key of a group/version in the /openapi/v3 index:
// "api/v1" for the core group, "apis/<group>/<version>" otherwise.
func V3Path(gv schema.GroupVersion) string {
	if gv.Group == "" {
		return "api/" + gv.Version
	}
	return "apis/" + gv.Group + "/" + gv.Version
}

// BuildV3 returns the OpenAPI v3 document of the resources infos, which
// must all belong to one group/version.
func BuildV3(infos []*api.Info) *spec3.OpenAPI {
	b := &builder3{gen: newGenerator(true), paths: map[string]*spec3.Path{}}
	b.define(&metav1.Status{})
	b.define(&metav1.Patch{})
	for _, info := range infos {
		b.addKind(info.New(), info.GVK())
		b.addKind(info.NewList(), info.GroupVersion().WithKind(info.Kind+"List"))
		b.addResource(info)
	}
	if len(infos) > 0 {
		b.addGVK(b.define(&metav1.DeleteOptions{}), infos[0].GroupVersion().WithKind("DeleteOptions"))
	}
	return &spec3.OpenAPI{
		Version:    "3.0.0",
		Info:       &spec.Info{InfoProps: spec.InfoProps{Title: "Wharf", Version: "v1.37.0"}},
		Paths:      &spec3.Paths{Paths: b.paths},
		Components: &spec3.Components{Schemas: b.gen.defs},
	}
}

// define adds obj's type (a pointer to a struct) and returns its name.
func (b *builder3) define(obj any) string { return b.gen.define(reflect.TypeOf(obj).Elem()) }

func (b *builder3) addKind(obj any, gvk schema.GroupVersionKind) { b.addGVK(b.define(obj), gvk) }

// addGVK appends gvk to the x-kubernetes-group-version-kind list of the
// named definition.
func (b *builder3) addGVK(name string, gvk schema.GroupVersionKind) {
	s := b.gen.defs[name]
	list, _ := s.Extensions[extGVK].([]any)
	s.AddExtension(extGVK, append(list, gvkValue(gvk)))
}

func gvkValue(gvk schema.GroupVersionKind) map[string]any {
	return map[string]any{"group": gvk.Group, "version": gvk.Version, "kind": gvk.Kind}
}

// addResource adds the collection, item, all-namespaces and subresource
// paths of info.
func (b *builder3) addResource(info *api.Info) {
	gvk := info.GVK()
	kind := b.define(info.New())
	list := b.define(info.NewList())
	base := "/" + V3Path(info.GroupVersion())
	ns := ""
	var scope []*spec3.Parameter
	if info.Namespaced {
		ns = "/namespaces/{namespace}"
		scope = []*spec3.Parameter{pathParam("namespace", "object name and auth scope, such as for teams and projects")}
		b.paths[base+"/"+info.Resource] = &spec3.Path{PathProps: spec3.PathProps{
			Get: b.op(info, "list", "ForAllNamespaces", gvk, listParams(), "", list),
		}}
	}
	collection := base + ns + "/" + info.Resource
	b.paths[collection] = &spec3.Path{PathProps: spec3.PathProps{
		Parameters: scope,
		Get:        b.op(info, "list", "", gvk, listParams(), "", list),
		Post:       b.op(info, "post", "", gvk, writeParams(false), kind, kind),
		Delete:     b.op(info, "deletecollection", "", gvk, append(deleteParams(), listParams()[1:]...), b.define(&metav1.DeleteOptions{}), b.define(&metav1.Status{})),
	}}
	itemParams := append([]*spec3.Parameter{pathParam("name", "name of the "+info.Kind)}, scope...)
	b.paths[collection+"/{name}"] = &spec3.Path{PathProps: spec3.PathProps{
		Parameters: itemParams,
		Get:        b.op(info, "get", "", gvk, []*spec3.Parameter{paramPretty}, "", kind),
		Put:        b.op(info, "put", "", gvk, writeParams(false), kind, kind),
		Patch:      b.op(info, "patch", "", gvk, writeParams(true), b.define(&metav1.Patch{}), kind),
		Delete:     b.op(info, "delete", "", gvk, deleteParams(), b.define(&metav1.DeleteOptions{}), kind),
	}}
	for _, sub := range info.Subresources {
		if p := b.subresource(info, sub, kind); p != nil {
			p.Parameters = itemParams
			b.paths[collection+"/{name}/"+sub] = p
		}
	}
}

// subresource returns the path item of one subresource, nil for those
// without a JSON body (log).
func (b *builder3) subresource(info *api.Info, sub, kind string) *spec3.Path {
	gvk := info.GVK()
	patch := b.define(&metav1.Patch{})
	switch sub {
	case "status":
		return &spec3.Path{PathProps: spec3.PathProps{
			Get:   b.op(info, "get", sub, gvk, []*spec3.Parameter{paramPretty}, "", kind),
			Put:   b.op(info, "put", sub, gvk, writeParams(false), kind, kind),
			Patch: b.op(info, "patch", sub, gvk, writeParams(true), patch, kind),
		}}
	case "scale":
		scale := b.define(&autoscalingv1.Scale{})
		sgvk := autoscalingv1.SchemeGroupVersion.WithKind("Scale")
		b.addGVK(scale, sgvk)
		return &spec3.Path{PathProps: spec3.PathProps{
			Get:   b.op(info, "get", sub, sgvk, []*spec3.Parameter{paramPretty}, "", scale),
			Put:   b.op(info, "put", sub, sgvk, writeParams(false), scale, scale),
			Patch: b.op(info, "patch", sub, sgvk, writeParams(true), patch, scale),
		}}
	case "binding":
		binding := b.define(&corev1.Binding{})
		return &spec3.Path{PathProps: spec3.PathProps{
			Post: b.op(info, "post", sub, corev1.SchemeGroupVersion.WithKind("Binding"), writeParams(false), binding, binding),
		}}
	case "eviction":
		eviction := b.define(&policyv1.Eviction{})
		return &spec3.Path{PathProps: spec3.PathProps{
			Post: b.op(info, "post", sub, policyv1.SchemeGroupVersion.WithKind("Eviction"), writeParams(false), eviction, eviction),
		}}
	case "finalize":
		return &spec3.Path{PathProps: spec3.PathProps{Put: b.op(info, "put", sub, gvk, writeParams(false), kind, kind)}}
	}
	return nil
}

// op builds one operation of info (of subresource sub, "" for the main
// resource); request and response are definition names (request "" = no
// body).
func (b *builder3) op(info *api.Info, action, sub string, gvk schema.GroupVersionKind, params []*spec3.Parameter, request, response string) *spec3.Operation {
	o := &spec3.Operation{OperationProps: spec3.OperationProps{
		OperationId: operationID(info, action, sub),
		Tags:        []string{tag(info)},
		Parameters:  params,
		Responses: &spec3.Responses{ResponsesProps: spec3.ResponsesProps{StatusCodeResponses: map[int]*spec3.Response{
			200: b.response("OK", response),
		}}},
	}}
	switch action {
	case "post":
		o.Responses.StatusCodeResponses[201] = b.response("Created", response)
		o.Responses.StatusCodeResponses[202] = b.response("Accepted", response)
	case "put", "patch":
		o.Responses.StatusCodeResponses[201] = b.response("Created", response)
	case "delete":
		o.Responses.StatusCodeResponses[202] = b.response("Accepted", response)
	}
	if request != "" {
		types := []string{"*/*"}
		if action == "patch" {
			types = patchTypes
		}
		o.RequestBody = &spec3.RequestBody{RequestBodyProps: spec3.RequestBodyProps{Content: b.content(types, request), Required: action != "delete"}}
	}
	o.AddExtension(extAction, action)
	o.AddExtension(extGVK, gvkValue(gvk))
	return o
}

func (b *builder3) response(description, schemaName string) *spec3.Response {
	return &spec3.Response{ResponseProps: spec3.ResponseProps{
		Description: description,
		Content:     b.content([]string{"application/json", "application/yaml"}, schemaName),
	}}
}

func (b *builder3) content(types []string, schemaName string) map[string]*spec3.MediaType {
	out := map[string]*spec3.MediaType{}
	for _, t := range types {
		out[t] = &spec3.MediaType{MediaTypeProps: spec3.MediaTypeProps{
			Schema: &spec.Schema{SchemaProps: spec.SchemaProps{Ref: spec.MustCreateRef(refPrefixV3 + schemaName)}},
		}}
	}
	return out
}

// tag is upstream's operation tag: "coreV1", "appsV1", "rbacAuthorizationV1".
func tag(info *api.Info) string {
	return groupWord(info.Group) + strings.ToUpper(info.Version[:1]) + info.Version[1:]
}

func groupWord(group string) string {
	if group == "" {
		return "core"
	}
	name, _, _ := strings.Cut(group, ".k8s.io")
	parts := strings.Split(name, ".")
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}

// operationID is upstream-like: "patchCoreV1NamespacedPodStatus",
// "listCoreV1PodForAllNamespaces".
func operationID(info *api.Info, action, sub string) string {
	verb := map[string]string{"get": "read", "put": "replace", "post": "create", "deletecollection": "deleteCollection"}[action]
	if verb == "" {
		verb = action
	}
	t := tag(info)
	id := verb + strings.ToUpper(t[:1]) + t[1:]
	if info.Namespaced && sub != "ForAllNamespaces" {
		id += "Namespaced"
	}
	if sub != "" && sub != "ForAllNamespaces" {
		sub = strings.ToUpper(sub[:1]) + sub[1:]
	}
	return id + info.Kind + sub
}
