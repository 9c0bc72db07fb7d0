package printers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/template"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/jsonpath"
	"sigs.k8s.io/yaml"
)

// Format is a parsed -o value.
type Format struct {
	Kind     string // "table", "wide", "json", "yaml", "name", "jsonpath", "go-template"
	Template string // for jsonpath and go-template
}

// ParseFormat parses the -o flag (and --template, which implies
// go-template when -o is empty, as in the seed walkthrough).
func ParseFormat(output, tmpl string) (Format, error) {
	if output == "" && tmpl != "" {
		return Format{Kind: "go-template", Template: tmpl}, nil
	}
	kind, arg, _ := strings.Cut(output, "=")
	switch kind {
	case "":
		return Format{Kind: "table"}, nil
	case "wide", "json", "yaml", "name":
		return Format{Kind: kind}, nil
	case "jsonpath", "go-template", "template":
		if arg == "" {
			arg = tmpl
		}
		if arg == "" {
			return Format{}, fmt.Errorf("template format specified but no template given")
		}
		if kind == "template" {
			kind = "go-template"
		}
		return Format{Kind: kind, Template: arg}, nil
	}
	return Format{}, fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,jsonpath,go-template,name,wide,yaml", output)
}

// IsTable reports whether the format prints a table.
func (f Format) IsTable() bool { return f.Kind == "table" || f.Kind == "wide" }

// PrintObject prints one object (or a List built with AsList) in f.
func PrintObject(w io.Writer, f Format, obj *unstructured.Unstructured, resource string) error {
	switch f.Kind {
	case "json":
		b, err := json.MarshalIndent(obj.Object, "", "    ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	case "yaml":
		b, err := yaml.Marshal(obj.Object)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	case "name":
		return printNames(w, obj, resource)
	case "jsonpath":
		return printJSONPath(w, f.Template, obj.Object)
	case "go-template":
		return printTemplate(w, f.Template, obj.Object)
	}
	return fmt.Errorf("format %q is not an object format", f.Kind)
}

func printNames(w io.Writer, obj *unstructured.Unstructured, resource string) error {
	if obj.IsList() {
		return obj.EachListItem(func(o runtime.Object) error {
			u := o.(*unstructured.Unstructured)
			return printNames(w, u, "")
		})
	}
	prefix := resource
	if prefix == "" {
		prefix = strings.ToLower(obj.GetKind())
		if gv := obj.GroupVersionKind().Group; gv != "" {
			prefix += "." + gv
		}
	}
	_, err := fmt.Fprintf(w, "%s/%s\n", prefix, obj.GetName())
	return err
}

func printJSONPath(w io.Writer, expr string, data any) error {
	jp := jsonpath.New("out").AllowMissingKeys(true)
	if err := jp.Parse(expr); err != nil {
		return fmt.Errorf("error parsing jsonpath %s: %w", expr, err)
	}
	var buf bytes.Buffer
	if err := jp.Execute(&buf, data); err != nil {
		return fmt.Errorf("error executing jsonpath %q: %w", expr, err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func printTemplate(w io.Writer, text string, data any) error {
	t, err := template.New("out").Option("missingkey=zero").Parse(text)
	if err != nil {
		return fmt.Errorf("error parsing template %s: %w", text, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return fmt.Errorf("error executing template %q: %w", text, err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// AsList wraps items in a v1 List, as kubectl prints several objects.
func AsList(items []*unstructured.Unstructured) *unstructured.Unstructured {
	list := make([]any, len(items))
	for i, it := range items {
		list[i] = it.Object
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1",
		"kind":       "List",
		"items":      list,
		"metadata":   map[string]any{"resourceVersion": ""},
	}}
}
