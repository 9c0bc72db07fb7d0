package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/wharfhq/wharf/proto/api"
)

const podTemplate = `{"metadata":{"labels":{"app":"x"}},"spec":{"restartPolicy":"Always","containers":[{"name":"c","image":"busybox"}]}}`

// fixtures are a minimal valid spec (everything but apiVersion, kind and
// metadata) per resource.
var fixtures = map[string]string{
	"namespaces":             `{}`,
	"pods":                   `{"spec":{"containers":[{"name":"c","image":"busybox"}]}}`,
	"nodes":                  `{}`,
	"services":               `{"spec":{"ports":[{"port":80}],"selector":{"app":"x"}}}`,
	"endpoints":              `{"subsets":[{"addresses":[{"ip":"10.0.0.1"}],"ports":[{"port":80}]}]}`,
	"configmaps":             `{"data":{"k":"v"}}`,
	"secrets":                `{"data":{"k":"dg=="}}`,
	"events":                 `{"involvedObject":{"kind":"Pod","name":"p","namespace":"default"},"reason":"R","message":"m","type":"Normal"}`,
	"serviceaccounts":        `{}`,
	"replicationcontrollers": `{"spec":{"replicas":1,"selector":{"app":"x"},"template":` + podTemplate + `}}`,
	"persistentvolumes":      `{"spec":{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"hostPath":{"path":"/tmp"}}}`,
	"persistentvolumeclaims": `{"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}`,
	"limitranges":            `{"spec":{"limits":[{"type":"Container","default":{"cpu":"100m"}}]}}`,
	"resourcequotas":         `{"spec":{"hard":{"pods":"10"}}}`,
	"deployments":            `{"spec":{"replicas":1,"selector":{"matchLabels":{"app":"x"}},"template":` + podTemplate + `}}`,
	"replicasets":            `{"spec":{"replicas":1,"selector":{"matchLabels":{"app":"x"}},"template":` + podTemplate + `}}`,
	"daemonsets":             `{"spec":{"selector":{"matchLabels":{"app":"x"}},"template":` + podTemplate + `}}`,
	"statefulsets":           `{"spec":{"replicas":1,"serviceName":"s","selector":{"matchLabels":{"app":"x"}},"template":` + podTemplate + `}}`,
	"controllerrevisions":    `{"revision":1,"data":{}}`,
	"jobs":                   `{"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}}}`,
	"cronjobs":               `{"spec":{"schedule":"*/1 * * * *","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}}}}}`,
	"endpointslices":         `{"addressType":"IPv4","endpoints":[{"addresses":["10.0.0.1"]}]}`,
	"leases":                 `{"spec":{"holderIdentity":"me","leaseDurationSeconds":15}}`,
	"roles":                  `{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]}`,
	"rolebindings":           `{"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r"},"subjects":[{"kind":"User","name":"u","apiGroup":"rbac.authorization.k8s.io"}]}`,
	"clusterroles":           `{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]}`,
	"clusterrolebindings":    `{"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"r"},"subjects":[{"kind":"User","name":"u","apiGroup":"rbac.authorization.k8s.io"}]}`,
	"ingresses":              `{"spec":{"defaultBackend":{"service":{"name":"web","port":{"number":80}}}}}`,
	"ingressclasses":         `{"spec":{"controller":"example.com/ingress"}}`,
	"networkpolicies":        `{"spec":{"podSelector":{},"policyTypes":["Ingress"]}}`,
	"poddisruptionbudgets":   `{"spec":{"minAvailable":1,"selector":{"matchLabels":{"app":"x"}}}}`,
	"storageclasses":         `{"provisioner":"wharf.io/hostpath"}`,
	"csinodes":               `{"spec":{"drivers":[]}}`,
	"csidrivers":             `{"spec":{}}`,
	"csistoragecapacities":   `{"storageClassName":"standard"}`,
	"volumeattachments":      `{"spec":{"attacher":"a","nodeName":"n","source":{"persistentVolumeName":"pv"}}}`,
	"resourceclaims":         `{"spec":{}}`,
	"resourceclaimtemplates": `{"spec":{"spec":{}}}`,
	"resourceslices":         `{"spec":{"driver":"d","pool":{"name":"p","resourceSliceCount":1,"generation":1},"allNodes":true}}`,
	"deviceclasses":          `{"spec":{}}`,
	"devicetaintrules":       `{"spec":{"taint":{"key":"k","effect":"NoSchedule"}}}`,
}

// fixture returns a JSON object of the resource named name in ns.
func fixture(t *testing.T, info *api.Info, ns, name string) string {
	t.Helper()
	spec, ok := fixtures[info.Resource]
	if !ok {
		t.Fatalf("no fixture for %s", info.Resource)
	}
	m := map[string]any{}
	if err := json.Unmarshal([]byte(spec), &m); err != nil {
		t.Fatal(err)
	}
	meta := map[string]any{"name": name}
	if info.Namespaced {
		meta["namespace"] = ns
	}
	m["apiVersion"], m["kind"], m["metadata"] = info.APIVersion(), info.Kind, meta
	b, _ := json.Marshal(m)
	return string(b)
}

// collection returns the collection path of a resource in ns.
func collection(info *api.Info, ns string) string {
	p := "/api/v1"
	if info.Group != "" {
		p = "/apis/" + info.Group + "/" + info.Version
	}
	if info.Namespaced && ns != "" {
		p += "/namespaces/" + ns
	}
	return p + "/" + info.Resource
}

func decodeMap(t testing.TB, s string) map[string]any {
	t.Helper()
	m := map[string]any{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad JSON %q: %v", s, err)
	}
	return m
}

func meta(m map[string]any) map[string]any {
	mm, _ := m["metadata"].(map[string]any)
	return mm
}

func TestCRUDEveryResource(t *testing.T) {
	e := newEnv(t, nil)
	for _, info := range api.All() {
		t.Run(info.Resource, func(t *testing.T) {
			e.t = t
			coll := collection(info, "default")
			name := "obj-" + strings.ReplaceAll(info.Singular, ".", "")
			created := decodeMap(t, e.must(http.StatusCreated, "POST", coll, fixture(t, info, "default", name)))
			if created["kind"] != info.Kind || created["apiVersion"] != info.APIVersion() {
				t.Fatalf("created has kind %v apiVersion %v", created["kind"], created["apiVersion"])
			}
			md := meta(created)
			if md["uid"] == "" || md["resourceVersion"] == nil || md["creationTimestamp"] == nil {
				t.Fatalf("system fields missing: %v", md)
			}
			got := decodeMap(t, e.must(http.StatusOK, "GET", coll+"/"+name, ""))
			if meta(got)["resourceVersion"] != md["resourceVersion"] || meta(got)["uid"] != md["uid"] {
				t.Fatalf("get returned %v, created %v", meta(got), md)
			}
			list := decodeMap(t, e.must(http.StatusOK, "GET", coll, ""))
			if list["kind"] != info.Kind+"List" || len(list["items"].([]any)) == 0 {
				t.Fatalf("list: %v", list)
			}
			meta(got)["labels"] = map[string]any{"updated": "yes"}
			b, _ := json.Marshal(got)
			upd := decodeMap(t, e.must(http.StatusOK, "PUT", coll+"/"+name, string(b)))
			if meta(upd)["resourceVersion"] == md["resourceVersion"] || meta(upd)["labels"] == nil {
				t.Fatalf("update did not change the object: %v", meta(upd))
			}
			// The old resourceVersion now conflicts.
			e.must(http.StatusConflict, "PUT", coll+"/"+name, string(b))
			if info.Resource == "namespaces" {
				e.must(http.StatusOK, "DELETE", coll+"/"+name, "")
				return
			}
			e.must(http.StatusOK, "DELETE", coll+"/"+name, "")
			e.must(http.StatusNotFound, "GET", coll+"/"+name, "")
		})
	}
}

func TestCreateErrors(t *testing.T) {
	e := newEnv(t, nil)
	pods := "/api/v1/namespaces/default/pods"
	pod := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p1"},"spec":{"containers":[{"name":"c","image":"i"}]}}`
	e.must(http.StatusCreated, "POST", pods, pod)
	b := e.must(http.StatusConflict, "POST", pods, pod)
	if !strings.Contains(b, `"reason":"AlreadyExists"`) {
		t.Fatalf("want AlreadyExists: %s", b)
	}
	cases := []struct {
		name, path, body string
		code             int
		want             string
	}{
		{"malformed", pods, `{"apiVersion":`, 400, "BadRequest"},
		{"wrong kind", pods, `{"apiVersion":"v1","kind":"Service","metadata":{"name":"x"}}`, 400, "does not match the expected kind"},
		{"wrong version", pods, `{"apiVersion":"apps/v1","kind":"Pod","metadata":{"name":"x"}}`, 400, "does not match the expected API version"},
		{"wrong namespace", pods, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","namespace":"other"},"spec":{"containers":[{"name":"c","image":"i"}]}}`, 400,
			"the namespace of the provided object does not match the namespace sent on the request"},
		{"missing namespace", "/api/v1/namespaces/nope/pods", pod, 404, `namespaces \"nope\" not found`},
		{"invalid", pods, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"Bad_Name"}}`, 422, `"field":"spec.containers"`},
		{"no name", pods, `{"apiVersion":"v1","kind":"Pod","metadata":{}}`, 422, "name or generateName is required"},
		{"unknown resource", "/api/v1/namespaces/default/widgets", pod, 404, "NotFound"},
		{"unknown group", "/apis/nope/v1/things", pod, 404, "NotFound"},
		{"strict", pods + "?fieldValidation=Strict", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"s"},"spec":{"foo":1,"containers":[{"name":"c","image":"i"}]}}`,
			400, `strict decoding error: unknown field \"spec.foo\"`},
		{"bad fieldValidation", pods + "?fieldValidation=Maybe", pod, 400, "fieldValidation"},
		{"too large", pods, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"big","annotations":{"a":"` + strings.Repeat("x", 2<<20) + `"}}}`, 413, "RequestEntityTooLarge"},
		{"protobuf garbage", pods, "\x00\x01", 400, "error decoding protobuf request body"},
		{"unsupported media type", pods, "hello", 415, "UnsupportedMediaType"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ct := "application/json"
			switch c.name {
			case "protobuf garbage":
				ct = "application/vnd.kubernetes.protobuf"
			case "unsupported media type":
				ct = "text/plain"
			}
			code, body, _ := e.do("POST", c.path, ct, c.body)
			if code != c.code || !strings.Contains(body, c.want) || !strings.Contains(body, `"kind":"Status"`) {
				t.Fatalf("got %d %s; want %d containing %q", code, body, c.code, c.want)
			}
		})
	}
	// Nothing of the failed requests was stored.
	list := decodeMap(t, e.must(200, "GET", pods, ""))
	if n := len(list["items"].([]any)); n != 1 {
		t.Fatalf("want 1 pod after failed creates, got %d", n)
	}
}

func TestCreateWarnYAMLGenerateNameDryRun(t *testing.T) {
	e := newEnv(t, nil)
	pods := "/api/v1/namespaces/default/pods"
	code, body, hdr := e.do("POST", pods, "application/json",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"w"},"spec":{"bogus":true,"containers":[{"name":"c","image":"i"}]}}`)
	if code != 201 || !strings.Contains(hdr.Get("Warning"), `unknown field \"spec.bogus\"`) {
		t.Fatalf("warn: %d %v %s", code, hdr, body)
	}
	yml := "apiVersion: v1\nkind: Pod\nmetadata:\n  generateName: gen-\nspec:\n  containers:\n  - name: c\n    image: i\n"
	names := map[string]bool{}
	for i := 0; i < 5; i++ {
		code, body, _ = e.do("POST", pods, "application/yaml", yml)
		if code != 201 {
			t.Fatalf("yaml create: %d %s", code, body)
		}
		n := meta(decodeMap(t, body))["name"].(string)
		if !strings.HasPrefix(n, "gen-") || len(n) != 9 || names[n] {
			t.Fatalf("bad generated name %q", n)
		}
		names[n] = true
	}
	code, body, _ = e.do("POST", pods+"?dryRun=All", "application/json",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"dry"},"spec":{"containers":[{"name":"c","image":"i"}]}}`)
	if code != 201 || meta(decodeMap(t, body))["uid"] == nil {
		t.Fatalf("dry run: %d %s", code, body)
	}
	e.must(404, "GET", pods+"/dry", "")
}

func TestTerminatingNamespace(t *testing.T) {
	e := newEnv(t, nil)
	e.must(201, "POST", "/api/v1/namespaces", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"gone"},"spec":{"finalizers":["kubernetes"]}}`)
	ns := decodeMap(t, e.must(200, "DELETE", "/api/v1/namespaces/gone", ""))
	if ns["status"].(map[string]any)["phase"] != "Terminating" || meta(ns)["deletionTimestamp"] == nil {
		t.Fatalf("namespace not terminating: %v", ns)
	}
	b := e.must(403, "POST", "/api/v1/namespaces/gone/configmaps", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}`)
	if !strings.Contains(b, "unable to create new content in namespace gone because it is being terminated") {
		t.Fatalf("forbidden message: %s", b)
	}
	ns = decodeMap(t, e.must(200, "GET", "/api/v1/namespaces/gone", ""))
	ns["spec"] = map[string]any{"finalizers": []any{}}
	raw, _ := json.Marshal(ns)
	e.must(200, "PUT", "/api/v1/namespaces/gone/finalize", string(raw))
	e.must(404, "GET", "/api/v1/namespaces/gone", "")
}
