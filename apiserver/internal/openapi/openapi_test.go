package openapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	openapi_v2 "github.com/google/gnostic-models/openapiv2"
	"google.golang.org/protobuf/proto"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/kube-openapi/pkg/handler3"
	"k8s.io/kube-openapi/pkg/spec3"

	"github.com/wharfhq/wharf/proto/api"
)

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	h, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func fetch(t *testing.T, srv *httptest.Server, path, accept string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// groupVersionDoc follows the /openapi/v3 index to gv's document and
// parses it as kubectl does.
func groupVersionDoc(t *testing.T, srv *httptest.Server, gv string) *spec3.OpenAPI {
	t.Helper()
	_, b := fetch(t, srv, "/openapi/v3", "application/json")
	var index handler3.OpenAPIV3Discovery
	if err := json.Unmarshal(b, &index); err != nil {
		t.Fatalf("index: %v: %s", err, b)
	}
	entry, ok := index.Paths[gv]
	if !ok || !strings.Contains(entry.ServerRelativeURL, "?hash=") {
		t.Fatalf("index has %q = %+v; all: %v", gv, entry, index.Paths)
	}
	resp, b := fetch(t, srv, entry.ServerRelativeURL, "application/json")
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", entry.ServerRelativeURL, resp.StatusCode, b)
	}
	doc := &spec3.OpenAPI{}
	if err := json.Unmarshal(b, doc); err != nil {
		t.Fatalf("%s: %v", gv, err)
	}
	return doc
}

func TestPodSchemaHasPatchMetadata(t *testing.T) {
	doc := groupVersionDoc(t, newServer(t), "api/v1")
	pod, ok := doc.Components.Schemas["io.k8s.api.core.v1.Pod"]
	if !ok {
		t.Fatal("no io.k8s.api.core.v1.Pod schema")
	}
	if !gvksContain(pod.Extensions[extGVK], corev1.SchemeGroupVersion.WithKind("Pod")) {
		t.Errorf("Pod gvk extension %v", pod.Extensions[extGVK])
	}
	for _, f := range []string{"apiVersion", "kind", "metadata", "spec", "status"} {
		if _, ok := pod.Properties[f]; !ok {
			t.Errorf("Pod lacks property %s", f)
		}
	}
	containers := doc.Components.Schemas["io.k8s.api.core.v1.PodSpec"].Properties["containers"]
	if containers.Extensions[extPatchMergeKey] != "name" || containers.Extensions[extPatchStrategy] != "merge" {
		t.Errorf("containers extensions %v", containers.Extensions)
	}
	if containers.Items == nil || containers.Items.Schema.Ref.String() != "#/components/schemas/io.k8s.api.core.v1.Container" {
		t.Errorf("containers items %+v", containers.Items)
	}
	port := doc.Components.Schemas["io.k8s.api.core.v1.ServicePort"].Properties["targetPort"]
	if port.Ref.String() != "#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString" {
		t.Errorf("targetPort %+v", port)
	}
	if ts := doc.Components.Schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]; ts == nil || ts.Format != "date-time" {
		t.Errorf("Time schema %+v", ts)
	}
}

func gvksContain(ext any, gvk schema.GroupVersionKind) bool {
	list, _ := ext.([]any)
	for _, e := range list {
		m, _ := e.(map[string]any)
		if m["group"] == gvk.Group && m["version"] == gvk.Version && m["kind"] == gvk.Kind {
			return true
		}
	}
	return false
}

// TestKubectlChecks replays, for every kind, the two checks kubectl makes
// on the v3 document (cli-runtime's supportsQueryParamV3 and apply's
// gvkSupportsPatchOpenAPIV3): every PATCH operation of the kind must list
// fieldValidation and dryRun and accept strategic merge patches.
func TestKubectlChecks(t *testing.T) {
	srv := newServer(t)
	docs := map[string]*spec3.OpenAPI{}
	for _, info := range api.All() {
		gv := V3Path(info.GroupVersion())
		if docs[gv] == nil {
			docs[gv] = groupVersionDoc(t, srv, gv)
		}
		patches := 0
		for path, item := range docs[gv].Paths.Paths {
			op := item.Patch
			if op == nil || !gvkMatches(op.Extensions[extGVK], info.GVK()) {
				continue
			}
			patches++
			for _, p := range []string{"fieldValidation", "dryRun", "fieldManager"} {
				if !hasQueryParam(op, p) {
					t.Errorf("%s PATCH lacks %s", path, p)
				}
			}
			if _, ok := op.RequestBody.Content["application/strategic-merge-patch+json"]; !ok {
				t.Errorf("%s PATCH does not accept strategic merge patches", path)
			}
		}
		if patches == 0 {
			t.Errorf("no PATCH operation for %s", info.GVK())
		}
	}
}

func gvkMatches(ext any, gvk schema.GroupVersionKind) bool {
	m, _ := ext.(map[string]any)
	return m["group"] == gvk.Group && m["version"] == gvk.Version && m["kind"] == gvk.Kind
}

func hasQueryParam(op *spec3.Operation, name string) bool {
	for _, p := range op.Parameters {
		if p.Name == name && p.In == "query" {
			return true
		}
	}
	return false
}

// TestThreeWayPatchMatchesStructMetadata computes kubectl apply's patch
// with the served schema and with the Go struct tags: they must agree.
func TestThreeWayPatchMatchesStructMetadata(t *testing.T) {
	srv := newServer(t)
	cases := []struct {
		gv                         string
		obj                        any
		schemaName                 string
		original, modified, actual string
	}{
		{"api/v1", &corev1.Pod{}, "io.k8s.api.core.v1.Pod",
			`{"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:1"}]}}`,
			`{"spec":{"containers":[{"name":"a","image":"a:2"}]}}`,
			`{"metadata":{"labels":{"x":"y"}},"spec":{"containers":[{"name":"b","image":"b:1"},{"name":"a","image":"a:1","ports":[{"containerPort":80}]}]}}`},
		{"apis/apps/v1", &appsv1.Deployment{}, "io.k8s.api.apps.v1.Deployment",
			`{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}`,
			`{"spec":{"strategy":{"type":"Recreate"}}}`,
			`{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}`},
	}
	for _, c := range cases {
		doc := groupVersionDoc(t, srv, c.gv)
		meta := strategicpatch.PatchMetaFromOpenAPIV3{Schema: doc.Components.Schemas[c.schemaName], SchemaList: doc.Components.Schemas}
		got, err := strategicpatch.CreateThreeWayMergePatch([]byte(c.original), []byte(c.modified), []byte(c.actual), meta, false)
		if err != nil {
			t.Fatalf("%s: openapi patch: %v", c.schemaName, err)
		}
		structMeta, err := strategicpatch.NewPatchMetaFromStruct(c.obj)
		if err != nil {
			t.Fatal(err)
		}
		want, err := strategicpatch.CreateThreeWayMergePatch([]byte(c.original), []byte(c.modified), []byte(c.actual), structMeta, false)
		if err != nil {
			t.Fatal(err)
		}
		var g, w any
		_ = json.Unmarshal(got, &g)
		_ = json.Unmarshal(want, &w)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: patch from schema %s, from struct %s", c.schemaName, got, want)
		}
	}
}

func TestV2JSONAndProtobuf(t *testing.T) {
	srv := newServer(t)
	resp, b := fetch(t, srv, "/openapi/v2", "application/json")
	if resp.StatusCode != 200 {
		t.Fatalf("v2 json: %d", resp.StatusCode)
	}
	var doc struct {
		Swagger     string                     `json:"swagger"`
		Definitions map[string]json.RawMessage `json:"definitions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Swagger != "2.0" {
		t.Fatalf("v2: %v %q", err, doc.Swagger)
	}
	if !strings.Contains(string(doc.Definitions["io.k8s.api.apps.v1.Deployment"]), `"kind":"Deployment"`) {
		t.Errorf("Deployment definition %s", doc.Definitions["io.k8s.api.apps.v1.Deployment"])
	}
	// What client-go's OpenAPISchema() asks for and how it parses it.
	resp, b = fetch(t, srv, "/openapi/v2", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf")
	if resp.StatusCode != 200 {
		t.Fatalf("v2 protobuf: %d", resp.StatusCode)
	}
	pb := &openapi_v2.Document{}
	if err := proto.Unmarshal(b, pb); err != nil {
		t.Fatalf("v2 protobuf: %v", err)
	}
	if pb.GetDefinitions() == nil || len(pb.GetDefinitions().GetAdditionalProperties()) == 0 {
		t.Error("v2 protobuf has no definitions")
	}
}

func TestUnknownFields(t *testing.T) {
	info, _ := api.Lookup("", "v1", "pods")
	if got := UnknownFields(info, []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"i"}]}}`)); got != nil {
		t.Errorf("clean pod: %v", got)
	}
	got := UnknownFields(info, []byte(`{"metadata":{"name":"a","name":"b"},"spec":{"containers":[{"name":"c","imagee":"i"}]},"foo":1}`))
	want := []string{`duplicate field "metadata.name"`, `unknown field "foo"`, `unknown field "spec.containers[0].imagee"`}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Errorf("UnknownFields = %q, lacks %q", got, w)
		}
	}
	if got := UnknownFields(info, []byte(`{"spec":`)); got != nil {
		t.Errorf("malformed: %v", got)
	}
}

func TestDefinitionName(t *testing.T) {
	if got := DefinitionName(reflect.TypeFor[appsv1.DeploymentSpec]()); got != "io.k8s.api.apps.v1.DeploymentSpec" {
		t.Error(got)
	}
}
