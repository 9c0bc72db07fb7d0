package server

import (
	"strings"
	"testing"
)

// TestGarbageNever500 sends malformed input everywhere: no answer may be
// a server error, and every error must be a Status.
func TestGarbageNever500(t *testing.T) {
	e := newCachedEnv(t, 100)
	e.must(201, "POST", pods, podJSON("keep", ""))
	bodies := []string{"", "null", "[]", "{", `{"metadata":null}`, `{"kind":1}`, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"keep"},"spec":"x"}`,
		`[{"op":"remove","path":"/nope"}]`, `{"spec":{"containers":null}}`, "\xff\xfe", strings.Repeat("[", 10000)}
	paths := []string{pods, pods + "/keep", pods + "/keep/status", pods + "/keep/binding", pods + "/keep/eviction",
		"/apis/apps/v1/namespaces/default/deployments/none/scale", "/api/v1/namespaces/keep/finalize",
		pods + "?labelSelector=%21%21", pods + "?fieldSelector=%3D%3D", pods + "?limit=-1&continue=%00", pods + "?watch=1&resourceVersion=-5"}
	types := []string{"application/json", "application/yaml", "application/merge-patch+json", "application/json-patch+json",
		"application/strategic-merge-patch+json", "application/apply-patch+yaml", "text/plain"}
	for _, p := range paths {
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			for _, b := range bodies {
				for _, ct := range types {
					code, body, _ := e.do(m, p, ct, b)
					if code >= 500 || (code >= 400 && !strings.Contains(body, `"kind":"Status"`)) {
						t.Fatalf("%s %s (%s) %q: %d %s", m, p, ct, b, code, body)
					}
				}
			}
		}
	}
}
