package server

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestSelectorsAndPagination(t *testing.T) {
	e := newEnv(t, nil)
	for i := 0; i < 10; i++ {
		e.must(201, "POST", pods, podJSON(fmt.Sprintf("p%02d", i), fmt.Sprintf(`,"labels":{"parity":"%d"}`, i%2)))
	}
	items := func(path string) []any {
		t.Helper()
		return decodeMap(t, e.must(200, "GET", path, ""))["items"].([]any)
	}
	if n := len(items(pods + "?labelSelector=parity%3D1")); n != 5 {
		t.Fatalf("label selector: %d", n)
	}
	if n := len(items(pods + "?fieldSelector=metadata.name%3Dp03")); n != 1 {
		t.Fatalf("field selector: %d", n)
	}
	if n := len(items("/api/v1/pods?fieldSelector=spec.nodeName%3D")); n != 10 {
		t.Fatalf("all-namespaces field selector: %d", n)
	}
	b := e.must(400, "GET", pods+"?fieldSelector=spec.foo%3Dx", "")
	if !strings.Contains(b, "field label not supported: spec.foo") {
		t.Fatalf("unknown field: %s", b)
	}
	e.must(400, "GET", pods+"?labelSelector=a%20in%20(", "")

	// Pages of 3 with a selector that matches every other pod.
	var names []string
	cont := ""
	for page := 0; ; page++ {
		m := decodeMap(t, e.must(200, "GET", pods+"?limit=2&labelSelector=parity%3D0&continue="+url.QueryEscape(cont), ""))
		for _, it := range m["items"].([]any) {
			names = append(names, meta(it.(map[string]any))["name"].(string))
		}
		cont, _ = meta(m)["continue"].(string)
		if cont == "" {
			break
		}
		if page > 5 {
			t.Fatal("too many pages")
		}
	}
	if strings.Join(names, ",") != "p00,p02,p04,p06,p08" {
		t.Fatalf("paged names: %v", names)
	}
	e.must(400, "GET", pods+"?limit=2&continue=garbage", "")
	e.must(400, "GET", pods+"?resourceVersion=abc", "")

	// deletecollection with a selector.
	del := decodeMap(t, e.must(200, "DELETE", pods+"?labelSelector=parity%3D1", ""))
	if len(del["items"].([]any)) != 5 || len(items(pods)) != 5 {
		t.Fatalf("deletecollection: %v", del)
	}
}

func TestTableAndPartial(t *testing.T) {
	e := newEnv(t, nil)
	e.must(201, "POST", pods, podJSON("t1", ""))
	accept := "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
	for _, path := range []string{pods, pods + "/t1"} {
		code, body, _ := e.do("GET", path, "", "", "Accept", accept)
		m := decodeMap(t, body)
		if code != 200 || m["kind"] != "Table" || m["apiVersion"] != "meta.k8s.io/v1" || len(m["rows"].([]any)) != 1 {
			t.Fatalf("table %s: %d %s", path, code, body)
		}
		row := m["rows"].([]any)[0].(map[string]any)
		if row["object"].(map[string]any)["kind"] != "PartialObjectMetadata" || row["cells"].([]any)[0] != "t1" {
			t.Fatalf("row: %v", row)
		}
		if len(m["columnDefinitions"].([]any)) == 0 {
			t.Fatalf("no columns: %s", body)
		}
	}
	_, body, _ := e.do("GET", pods+"?includeObject=Object", "", "", "Accept", accept)
	if !strings.Contains(body, `"object":{"kind":"Pod"`) {
		t.Fatalf("includeObject=Object: %s", body)
	}
	_, body, _ = e.do("GET", pods, "", "", "Accept", "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1")
	m := decodeMap(t, body)
	if m["kind"] != "PartialObjectMetadataList" || strings.Contains(body, `"spec"`) {
		t.Fatalf("partial list: %s", body)
	}
	_, body, _ = e.do("GET", pods+"/t1", "", "", "Accept", "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1")
	if decodeMap(t, body)["kind"] != "PartialObjectMetadata" {
		t.Fatalf("partial: %s", body)
	}
}

func TestNamespacedWithoutNamespace(t *testing.T) {
	e := newEnv(t, nil)
	e.must(404, "POST", "/api/v1/pods", podJSON("x", ""))
	e.must(404, "GET", "/api/v1/pods/x", "")
	e.must(404, "DELETE", "/api/v1/pods", "")
	e.must(404, "GET", "/api/v1/namespaces/default/nodes", "")
	e.must(200, "GET", "/api/v1/pods", "")
}

func TestContinueExpired(t *testing.T) {
	e := newEnv(t, nil)
	for i := 0; i < 3; i++ {
		e.must(201, "POST", pods, podJSON(fmt.Sprintf("c%d", i), ""))
	}
	m := decodeMap(t, e.must(200, "GET", pods+"?limit=1", ""))
	cont := meta(m)["continue"].(string)
	e.must(201, "POST", pods, podJSON("later", ""))
	rev, err := e.store.CurrentRevision(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.Compact(context.Background(), rev); err != nil {
		t.Fatal(err)
	}
	b := e.must(410, "GET", pods+"?limit=1&continue="+url.QueryEscape(cont), "")
	if !strings.Contains(b, `"reason":"Expired"`) || !strings.Contains(b, "continue parameter is too old") {
		t.Fatalf("expired continue: %s", b)
	}
}
