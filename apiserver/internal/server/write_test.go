package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

const pods = "/api/v1/namespaces/default/pods"

func podJSON(name string, extra string) string {
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":%q%s},"spec":{"containers":[{"name":"c","image":"i"}]}}`, name, extra)
}

func TestPatch(t *testing.T) {
	e := newEnv(t, nil)
	e.must(201, "POST", pods, podJSON("p", `,"labels":{"a":"1"}`))
	cases := []struct {
		ct, body string
		check    func(m map[string]any) bool
	}{
		{"application/merge-patch+json", `{"metadata":{"labels":{"b":"2"}}}`,
			func(m map[string]any) bool { return meta(m)["labels"].(map[string]any)["b"] == "2" }},
		{"application/json-patch+json", `[{"op":"add","path":"/metadata/labels/c","value":"3"}]`,
			func(m map[string]any) bool { return meta(m)["labels"].(map[string]any)["c"] == "3" }},
	}
	for _, c := range cases {
		code, body, _ := e.do("PATCH", pods+"/p", c.ct, c.body)
		if code != 200 || !c.check(decodeMap(t, body)) {
			t.Fatalf("%s: %d %s", c.ct, code, body)
		}
	}
	deps := "/apis/apps/v1/namespaces/default/deployments"
	e.must(201, "POST", deps, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"app":"x"}},"template":`+podTemplate+`}}`)
	code, body, _ := e.do("PATCH", deps+"/d", "application/strategic-merge-patch+json", `{"spec":{"template":{"spec":{"containers":[{"name":"d","image":"j"}]}}}}`)
	if code != 200 || strings.Count(body, `"image"`) != 2 {
		t.Fatalf("strategic merge: %d %s", code, body)
	}
	if code, body, _ := e.do("PATCH", pods+"/p", "application/xml", `<x/>`); code != 415 || !strings.Contains(body, "UnsupportedMediaType") {
		t.Fatalf("415: %d %s", code, body)
	}
	if code, body, _ := e.do("PATCH", pods+"/p", "application/json-patch+json", `{"op":`); code != 400 {
		t.Fatalf("bad json patch: %d %s", code, body)
	}
	if code, body, _ := e.do("PATCH", pods+"/p", "application/merge-patch+json", `{"metadata":{"resourceVersion":"1"}}`); code != 409 {
		t.Fatalf("stale rv in patch: %d %s", code, body)
	}
	if code, body, _ := e.do("PATCH", pods+"/missing", "application/merge-patch+json", `{}`); code != 404 {
		t.Fatalf("missing: %d %s", code, body)
	}
	// status patch changes status only.
	code, body, _ = e.do("PATCH", pods+"/p/status", "application/merge-patch+json", `{"status":{"phase":"Running"},"metadata":{"labels":{"z":"9"}}}`)
	m := decodeMap(t, body)
	if code != 200 || m["status"].(map[string]any)["phase"] != "Running" {
		t.Fatalf("status patch: %d %s", code, body)
	}
	// main-resource update keeps status.
	code, body, _ = e.do("PATCH", pods+"/p", "application/merge-patch+json", `{"status":{"phase":"Failed"}}`)
	if code != 200 || decodeMap(t, body)["status"].(map[string]any)["phase"] != "Running" {
		t.Fatalf("main patch changed status: %d %s", code, body)
	}
	// server-side apply: create, then merge.
	apply := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: \"1\"\n"
	cms := "/api/v1/namespaces/default/configmaps/applied"
	if code, body, _ := e.do("PATCH", cms, "application/apply-patch+yaml", apply); code != 400 {
		t.Fatalf("apply without fieldManager: %d %s", code, body)
	}
	if code, body, _ := e.do("PATCH", cms+"?fieldManager=t", "application/apply-patch+yaml", apply); code != 201 {
		t.Fatalf("apply create: %d %s", code, body)
	}
	code, body, _ = e.do("PATCH", cms+"?fieldManager=t", "application/apply-patch+yaml", strings.Replace(apply, `a: "1"`, `b: "2"`, 1))
	if code != 200 || !strings.Contains(body, `"b":"2"`) {
		t.Fatalf("apply update: %d %s", code, body)
	}
}

func TestUpdateRules(t *testing.T) {
	e := newEnv(t, nil)
	created := decodeMap(t, e.must(201, "POST", pods, podJSON("u", "")))
	uid := meta(created)["uid"]
	// Unconditional update (no resourceVersion) keeps uid and creationTimestamp.
	code, body, _ := e.do("PUT", pods+"/u", "application/json", podJSON("u", `,"uid":"forged","labels":{"x":"y"}`))
	if code != 200 || meta(decodeMap(t, body))["uid"] != uid {
		t.Fatalf("unconditional update: %d %s", code, body)
	}
	b := e.must(409, "PUT", pods+"/u", podJSON("u", `,"resourceVersion":"2"`))
	if !strings.Contains(b, "the object has been modified; please apply your changes to the latest version and try again") {
		t.Fatalf("conflict message: %s", b)
	}
	e.must(400, "PUT", pods+"/u", podJSON("other", ""))
	e.must(404, "PUT", pods+"/nope", podJSON("nope", ""))
	e.must(422, "PUT", pods+"/u", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"u"},"spec":{}}`)
}

func TestFinalizersAndGracefulDeletion(t *testing.T) {
	e := newEnv(t, nil)
	cm := "/api/v1/namespaces/default/configmaps"
	e.must(201, "POST", cm, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"f","finalizers":["example.com/x"]}}`)
	d := decodeMap(t, e.must(200, "DELETE", cm+"/f", ""))
	if meta(d)["deletionTimestamp"] == nil {
		t.Fatalf("no deletionTimestamp: %v", d)
	}
	got := decodeMap(t, e.must(200, "GET", cm+"/f", ""))
	delete(meta(got), "finalizers")
	raw, _ := json.Marshal(got)
	e.must(200, "PUT", cm+"/f", string(raw))
	e.must(404, "GET", cm+"/f", "")

	// Orphan policy adds the orphan finalizer.
	e.must(201, "POST", cm, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"o"}}`)
	d = decodeMap(t, e.must(200, "DELETE", cm+"/o?propagationPolicy=Orphan", ""))
	if fmt.Sprint(meta(d)["finalizers"]) != "[orphan]" {
		t.Fatalf("orphan finalizer: %v", meta(d))
	}
	e.must(400, "DELETE", cm+"/o?propagationPolicy=Sideways", "")

	// Preconditions.
	e.must(201, "POST", cm, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"pre"}}`)
	e.must(409, "DELETE", cm+"/pre", `{"preconditions":{"uid":"nope"}}`)
	e.must(200, "DELETE", cm+"/pre?dryRun=All", "")
	e.must(200, "GET", cm+"/pre", "")

	// A bound pod is deleted gracefully; grace 0 then removes it.
	e.must(201, "POST", pods, podJSON("bound", ""))
	e.must(201, "POST", pods+"/bound/binding", `{"apiVersion":"v1","kind":"Binding","metadata":{"name":"bound"},"target":{"kind":"Node","name":"n1"}}`)
	d = decodeMap(t, e.must(200, "DELETE", pods+"/bound", ""))
	if meta(d)["deletionGracePeriodSeconds"] != float64(30) {
		t.Fatalf("graceful delete: %v", meta(d))
	}
	e.must(200, "GET", pods+"/bound", "")
	e.must(200, "DELETE", pods+"/bound", `{"gracePeriodSeconds":0}`)
	e.must(404, "GET", pods+"/bound", "")
	// An unbound pod goes at once.
	e.must(201, "POST", pods, podJSON("free", ""))
	e.must(200, "DELETE", pods+"/free", "")
	e.must(404, "GET", pods+"/free", "")
	e.must(404, "DELETE", pods+"/free", "")
}

func TestBindingAndScale(t *testing.T) {
	e := newEnv(t, nil)
	e.must(201, "POST", pods, podJSON("b", ""))
	e.must(201, "POST", "/api/v1/namespaces/default/bindings", `{"apiVersion":"v1","kind":"Binding","metadata":{"name":"b"},"target":{"name":"n1"}}`)
	p := decodeMap(t, e.must(200, "GET", pods+"/b", ""))
	if p["spec"].(map[string]any)["nodeName"] != "n1" {
		t.Fatalf("not bound: %v", p["spec"])
	}
	b := e.must(409, "POST", pods+"/b/binding", `{"apiVersion":"v1","kind":"Binding","metadata":{"name":"b"},"target":{"name":"n2"}}`)
	if !strings.Contains(b, `pod b is already assigned to node \"n1\"`) {
		t.Fatalf("binding conflict: %s", b)
	}

	deps := "/apis/apps/v1/namespaces/default/deployments"
	e.must(201, "POST", deps, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"x"}},"template":`+podTemplate+`}}`)
	sc := decodeMap(t, e.must(200, "GET", deps+"/d/scale", ""))
	if sc["kind"] != "Scale" || sc["apiVersion"] != "autoscaling/v1" || sc["spec"].(map[string]any)["replicas"] != float64(2) ||
		sc["status"].(map[string]any)["selector"] != "app=x" {
		t.Fatalf("scale: %v", sc)
	}
	sc["spec"] = map[string]any{"replicas": 5}
	raw, _ := json.Marshal(sc)
	e.must(200, "PUT", deps+"/d/scale", string(raw))
	e.must(409, "PUT", deps+"/d/scale", string(raw)) // stale resourceVersion
	code, body, _ := e.do("PATCH", deps+"/d/scale", "application/merge-patch+json", `{"spec":{"replicas":7}}`)
	if code != 200 || decodeMap(t, body)["spec"].(map[string]any)["replicas"] != float64(7) {
		t.Fatalf("scale patch: %d %s", code, body)
	}
	d := decodeMap(t, e.must(200, "GET", deps+"/d", ""))
	if d["spec"].(map[string]any)["replicas"] != float64(7) {
		t.Fatalf("deployment replicas: %v", d["spec"])
	}
	if code, body, _ := e.do("PATCH", deps+"/d/scale", "application/merge-patch+json", `{"spec":{"replicas":-1}}`); code != 422 {
		t.Fatalf("negative scale: %d %s", code, body)
	}
	e.must(404, "GET", "/api/v1/namespaces/default/configmaps/x/scale", "")
}

func TestEviction(t *testing.T) {
	e := newEnv(t, nil)
	e.must(201, "POST", pods, podJSON("ev", ""))
	e.must(201, "POST", pods+"/ev/eviction", `{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"ev","namespace":"default"}}`)
	e.must(404, "GET", pods+"/ev", "")
	e.must(404, "POST", pods+"/ev/eviction", `{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"ev"}}`)
}
