package openapi

import (
	"encoding/json"
	"reflect"
	"strings"

	"k8s.io/kube-openapi/pkg/validation/spec"
)

// Extension names as upstream writes them.
const (
	extGVK           = "x-kubernetes-group-version-kind"
	extPatchStrategy = "x-kubernetes-patch-strategy"
	extPatchMergeKey = "x-kubernetes-patch-merge-key"
	extIntOrString   = "x-kubernetes-int-or-string"
	extAction        = "x-kubernetes-action"
)

// Schema-name prefixes of references in the two document versions.
const (
	refPrefixV3 = "#/components/schemas/"
	refPrefixV2 = "#/definitions/"
)

var jsonMarshaler = reflect.TypeFor[json.Marshaler]()

// special are the types whose JSON form is not their Go structure,
// by definition name, with their schemas.
var special = map[string]func() spec.Schema{
	"io.k8s.apimachinery.pkg.apis.meta.v1.Time":      dateTime,
	"io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": dateTime,
	"io.k8s.apimachinery.pkg.apis.meta.v1.Duration":  func() spec.Schema { return *spec.StringProperty() },
	"io.k8s.apimachinery.pkg.api.resource.Quantity":  func() spec.Schema { return *spec.StringProperty() },
	"io.k8s.apimachinery.pkg.util.intstr.IntOrString": func() spec.Schema {
		s := *spec.StrFmtProperty("int-or-string")
		s.AddExtension(extIntOrString, true)
		return s
	},
	"io.k8s.apimachinery.pkg.runtime.RawExtension":  func() spec.Schema { return objectSchema() },
	"io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": func() spec.Schema { return objectSchema() },
}

func dateTime() spec.Schema { return *spec.DateTimeProperty() }

func objectSchema() spec.Schema {
	return spec.Schema{SchemaProps: spec.SchemaProps{Type: []string{"object"}}}
}

// DefinitionName returns upstream's schema name of a named Go type:
// k8s.io/api/core/v1.Pod → io.k8s.api.core.v1.Pod.
func DefinitionName(t reflect.Type) string {
	pkg := t.PkgPath()
	first, rest, _ := strings.Cut(pkg, "/")
	labels := strings.Split(first, ".")
	for i, j := 0, len(labels)-1; i < j; i, j = i+1, j-1 {
		labels[i], labels[j] = labels[j], labels[i]
	}
	name := strings.Join(labels, ".")
	if rest != "" {
		name += "." + strings.ReplaceAll(rest, "/", ".")
	}
	return name + "." + t.Name()
}

// generator builds schema definitions of Go types by reflection. It is
// used by one goroutine.
type generator struct {
	refPrefix string
	// v3 wraps references that carry extensions in allOf, as upstream's
	// v3 documents do; v2 puts the extensions beside $ref.
	v3   bool
	defs map[string]*spec.Schema
}

func newGenerator(v3 bool) *generator {
	g := &generator{refPrefix: refPrefixV2, v3: v3, defs: map[string]*spec.Schema{}}
	if v3 {
		g.refPrefix = refPrefixV3
	}
	return g
}

// define adds the definition of the named struct type t (and of every
// type it reaches) and returns its name.
func (g *generator) define(t reflect.Type) string {
	name := DefinitionName(t)
	if _, ok := g.defs[name]; ok {
		return name
	}
	if mk, ok := special[name]; ok {
		s := mk()
		g.defs[name] = &s
		return name
	}
	s := objectSchema()
	g.defs[name] = &s // placeholder first: types may be recursive (JSONSchemaProps-like)
	if reflect.PointerTo(t).Implements(jsonMarshaler) || t.Implements(jsonMarshaler) {
		return name // custom JSON we do not know: any object
	}
	s.Properties = map[string]spec.Schema{}
	g.addFields(&s, t)
	if len(s.Properties) == 0 {
		s.Properties = nil
	}
	g.defs[name] = &s
	return name
}

// addFields adds the JSON properties of struct t to s, flattening inline
// and anonymous untagged fields as encoding/json does.
func (g *generator) addFields(s *spec.Schema, t reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if name == "" && (f.Anonymous || strings.Contains(opts, "inline")) && ft.Kind() == reflect.Struct {
			g.addFields(s, ft)
			continue
		}
		if name == "" {
			name = f.Name
		}
		s.Properties[name] = g.fieldSchema(f)
	}
}

// fieldSchema is the schema of one struct field, with its patch
// extensions.
func (g *generator) fieldSchema(f reflect.StructField) spec.Schema {
	s := g.typeSchema(f.Type)
	ext := spec.Extensions{}
	if v := f.Tag.Get("patchStrategy"); v != "" {
		ext.Add(extPatchStrategy, v)
	}
	if v := f.Tag.Get("patchMergeKey"); v != "" {
		ext.Add(extPatchMergeKey, v)
	}
	if len(ext) == 0 {
		return s
	}
	if s.Ref.String() != "" && g.v3 {
		s = spec.Schema{SchemaProps: spec.SchemaProps{AllOf: []spec.Schema{s}, Default: map[string]any{}}}
	}
	s.Extensions = ext
	return s
}

// typeSchema is the inline schema of a value of type t: a reference for
// named structs, the JSON type otherwise.
func (g *generator) typeSchema(t reflect.Type) spec.Schema {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if t.Name() == "" {
			s := objectSchema()
			s.Properties = map[string]spec.Schema{}
			g.addFields(&s, t)
			return s
		}
		return spec.Schema{SchemaProps: spec.SchemaProps{Ref: spec.MustCreateRef(g.refPrefix + g.define(t))}}
	case reflect.String:
		return *spec.StringProperty()
	case reflect.Bool:
		return *spec.BoolProperty()
	case reflect.Int32, reflect.Uint32, reflect.Int16, reflect.Uint16, reflect.Int8, reflect.Uint8:
		return *spec.Int32Property()
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint64:
		return *spec.Int64Property()
	case reflect.Float32, reflect.Float64:
		return *spec.Float64Property()
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return *spec.StrFmtProperty("byte")
		}
		item := g.typeSchema(t.Elem())
		return *spec.ArrayProperty(&item)
	case reflect.Map:
		val := g.typeSchema(t.Elem())
		return *spec.MapProperty(&val)
	default: // interface{} and anything else: any JSON value
		return spec.Schema{}
	}
}
