package printers

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

func podTable(t *testing.T) *metav1.Table {
	meta, _ := json.Marshal(metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{
		Name: "web", Namespace: "hack", Labels: map[string]string{"name": "web", "app": "x"}}})
	return &metav1.Table{
		ColumnDefinitions: []metav1.TableColumnDefinition{
			{Name: "Name", Type: "string"}, {Name: "Ready", Type: "string"},
			{Name: "Restarts", Type: "integer"}, {Name: "IP", Type: "string", Priority: 1},
		},
		Rows: []metav1.TableRow{{Cells: []any{"web", "1/1", float64(0), ""}, Object: runtime.RawExtension{Raw: meta}}},
	}
}

func TestTableWriter(t *testing.T) {
	cases := []struct {
		opts TableOptions
		want string
	}{
		{TableOptions{}, "NAME   READY   RESTARTS\nweb    1/1     0\n"},
		{TableOptions{Wide: true}, "NAME   READY   RESTARTS   IP\nweb    1/1     0          <none>\n"},
		{TableOptions{WithNamespace: true, ShowLabels: true},
			"NAMESPACE   NAME   READY   RESTARTS   LABELS\nhack        web    1/1     0          app=x,name=web\n"},
		{TableOptions{NoHeaders: true, Kind: "pod"}, "pod/web   1/1   0\n"},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		tw := NewTableWriter(&buf, c.opts)
		if err := tw.Write(podTable(t)); err != nil {
			t.Fatal(err)
		}
		tw.Flush()
		if buf.String() != c.want {
			t.Errorf("%+v:\ngot:\n%q\nwant:\n%q", c.opts, buf.String(), c.want)
		}
	}
}

func TestObjectFormats(t *testing.T) {
	svc := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Service",
		"metadata": map[string]any{"name": "hello"},
		"spec":     map[string]any{"clusterIP": "10.96.0.10"},
	}}
	cases := []struct{ output, tmpl, want string }{
		{"", "{{ .spec.clusterIP }}", "10.96.0.10"},
		{"jsonpath={.metadata.name}", "", "hello"},
		{"name", "", "service/hello\n"},
		{"yaml", "", "apiVersion: v1\nkind: Service\nmetadata:\n  name: hello\nspec:\n  clusterIP: 10.96.0.10\n"},
	}
	for _, c := range cases {
		f, err := ParseFormat(c.output, c.tmpl)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := PrintObject(&buf, f, svc, ""); err != nil {
			t.Fatal(err)
		}
		if buf.String() != c.want {
			t.Errorf("-o %q --template %q: got %q want %q", c.output, c.tmpl, buf.String(), c.want)
		}
	}
	var buf bytes.Buffer
	f, _ := ParseFormat("name", "")
	if err := PrintObject(&buf, f, AsList([]*unstructured.Unstructured{svc, svc}), ""); err != nil || strings.Count(buf.String(), "service/hello") != 2 {
		t.Fatalf("list names: %q %v", buf.String(), err)
	}
	if _, err := ParseFormat("bogus", ""); err == nil {
		t.Fatal("bogus format: want error")
	}
	if _, err := ParseFormat("jsonpath", ""); err == nil {
		t.Fatal("jsonpath without template: want error")
	}
}
