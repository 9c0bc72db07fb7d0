package openapi

import (
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/wharfhq/wharf/proto/api"
)

// BuildV2 returns the OpenAPI v2 (Swagger) document of infos: the
// definitions of every kind, with x-kubernetes-group-version-kind, which
// is what clients read from /openapi/v2 (patch metadata, explain). It has
// no paths: clients that check operations use /openapi/v3.
func BuildV2(infos []*api.Info) *spec.Swagger {
	g := newGenerator(false)
	gvks := map[string][]any{}
	add := func(obj any, gvk map[string]any) {
		name := g.define(reflect.TypeOf(obj).Elem())
		gvks[name] = append(gvks[name], gvk)
	}
	g.define(reflect.TypeFor[metav1.Status]())
	g.define(reflect.TypeFor[metav1.Patch]())
	seen := map[string]bool{}
	for _, info := range infos {
		add(info.New(), gvkValue(info.GVK()))
		add(info.NewList(), gvkValue(info.GroupVersion().WithKind(info.Kind+"List")))
		if gv := info.APIVersion(); !seen[gv] {
			seen[gv] = true
			add(&metav1.DeleteOptions{}, gvkValue(info.GroupVersion().WithKind("DeleteOptions")))
		}
	}
	defs := spec.Definitions{}
	for name, s := range g.defs {
		if l, ok := gvks[name]; ok {
			s.AddExtension(extGVK, l)
		}
		defs[name] = *s
	}
	return &spec.Swagger{SwaggerProps: spec.SwaggerProps{
		Swagger:     "2.0",
		Info:        &spec.Info{InfoProps: spec.InfoProps{Title: "Wharf", Version: "v1.37.0"}},
		Paths:       &spec.Paths{Paths: map[string]spec.PathItem{}},
		Definitions: defs,
	}}
}
