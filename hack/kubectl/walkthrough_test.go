package kubectl

import (
	"strings"
	"testing"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
)

func TestVersionAndNamespaces(t *testing.T) {
	k := newKubectl(t, apiservertest.Start(t))
	wantContains(t, "version", k.must("version"), "Client Version: "+kubectlVersion, "Server Version: ")

	header, rows := table(t, k.must("get", "ns"))
	wantHeader(t, "get ns", header, []string{"NAME", "STATUS", "AGE"})
	for _, n := range []string{"default", "kube-system", "kube-public", "kube-node-lease"} {
		if r, ok := rows[n]; !ok || r[1] != "Active" {
			t.Errorf("get ns: row %s = %q, want STATUS Active", n, r)
		}
	}
	t.Run("default service", func(t *testing.T) {
		out := k.must("get", "svc", "-n", "default")
		if out == "" {
			t.Skip("no Service kubernetes in default: not implemented yet (DESIGN: default Service)")
		}
		header, rows := table(t, out)
		wantHeader(t, "get svc", header, []string{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"})
		if r := rows["kubernetes"]; len(r) < 5 || r[1] != "ClusterIP" || r[4] != "443/TCP" {
			t.Errorf("get svc: kubernetes row %q, want ClusterIP ... 443/TCP", r)
		}
	})
}

func TestAPIResources(t *testing.T) {
	k := newKubectl(t, apiservertest.Start(t))
	out := k.must("api-resources")
	header, _ := table(t, out)
	wantHeader(t, "api-resources", header, []string{"NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"})
	want := map[string][]string{
		"pods":        {"pods", "po", "v1", "true", "Pod"},
		"namespaces":  {"namespaces", "ns", "v1", "false", "Namespace"},
		"deployments": {"deployments", "deploy", "apps/v1", "true", "Deployment"},
		"leases":      {"leases", "coordination.k8s.io/v1", "true", "Lease"},
	}
	lines := map[string][]string{}
	for _, l := range strings.Split(out, "\n")[1:] {
		f := strings.Fields(l)
		if len(f) > 0 {
			lines[f[0]] = f
		}
	}
	for name, w := range want {
		if got := lines[name]; strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("api-resources row %s = %q, want %q", name, got, w)
		}
	}
	wantContains(t, "api-resources --namespaced=false", k.must("api-resources", "--namespaced=false", "-o", "name"), "nodes\n", "namespaces\n")
}

func TestCreateGetDelete(t *testing.T) {
	k := newKubectl(t, apiservertest.Start(t))
	dir := t.TempDir()
	pod := writeFile(t, dir, "pod.yaml")
	wantContains(t, "create -f", k.must("create", "-f", pod), "pod/web created")
	if out, err := k.run("create", "-f", pod); err == nil || !strings.Contains(out, "AlreadyExists") {
		t.Errorf("second create: want AlreadyExists error, got %v\n%s", err, out)
	}

	header, rows := table(t, k.must("get", "pods"))
	wantHeader(t, "get pods", header, []string{"NAME", "READY", "STATUS", "RESTARTS", "AGE"})
	if r := rows["web"]; len(r) < 4 || r[1] != "0/1" || r[2] != "Pending" || r[3] != "0" {
		t.Errorf("get pods: row %q, want web 0/1 Pending 0", r)
	}
	header, rows = table(t, k.must("get", "pods", "-o", "wide"))
	wantHeader(t, "get pods -o wide", header, []string{"NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"})
	if r := rows["web"]; len(r) != 9 || r[5] != "<none>" || r[6] != "<none>" {
		t.Errorf("get pods -o wide: row %q, want IP and NODE <none>", r)
	}
	if out := k.must("get", "pod", "web", "-o", "jsonpath={.spec.containers[0].image}"); out != "nginx:1.27" {
		t.Errorf("jsonpath image = %q", out)
	}
	if out := k.must("get", "pods", "-l", "app=web", "-o", "name"); strings.TrimSpace(out) != "pod/web" {
		t.Errorf("get -l app=web -o name = %q", out)
	}
	wantContains(t, "get -o yaml", k.must("get", "pod", "web", "-o", "yaml"), "apiVersion: v1", "kind: Pod", "resourceVersion:", "uid:")

	bad := writeFile(t, t.TempDir(), "pod.yaml", "name: web", "name: Bad_Name")
	if out, err := k.run("create", "-f", bad); err == nil || !strings.Contains(out, "is invalid") {
		t.Errorf("create invalid pod: want an 'is invalid' error, got %v\n%s", err, out)
	}
	unknown := writeFile(t, t.TempDir(), "pod.yaml", "name: web", "name: web3", "  containers:", "  bogusField: 1\n  containers:")
	if out, err := k.run("create", "-f", unknown); err == nil || !strings.Contains(out, `unknown field "spec.bogusField"`) {
		t.Errorf("create with an unknown field: want kubectl's strict validation error, got %v\n%s", err, out)
	}
	wantContains(t, "delete -f", k.must("delete", "-f", pod), `pod "web" deleted`)
	out, err := k.run("get", "pod", "web")
	if err == nil || !strings.Contains(out, `Error from server (NotFound): pods "web" not found`) {
		t.Errorf("get after delete: want NotFound, got %v\n%s", err, out)
	}
}

func TestApply(t *testing.T) {
	k := newKubectl(t, apiservertest.Start(t))
	dir := t.TempDir()
	deploy := writeFile(t, dir, "deploy.yaml")
	wantContains(t, "apply", k.must("apply", "-f", deploy), "deployment.apps/api created")
	wantContains(t, "apply again", k.must("apply", "-f", deploy), "deployment.apps/api unchanged")
	deploy = writeFile(t, dir, "deploy.yaml", "replicas: 2", "replicas: 3", "nginx:1.27", "nginx:1.28")
	wantContains(t, "apply edited", k.must("apply", "-f", deploy), "deployment.apps/api configured")
	got := k.must("get", "deploy", "api", "-o", "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image} {.metadata.generation}")
	if got != "3 nginx:1.28 2" {
		t.Errorf("after apply: replicas image generation = %q, want \"3 nginx:1.28 2\"", got)
	}
	header, rows := table(t, k.must("get", "deployments"))
	wantHeader(t, "get deployments", header, []string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"})
	if r := rows["api"]; len(r) < 2 || r[1] != "0/3" {
		t.Errorf("get deployments: row %q, want api 0/3", r)
	}
	wantContains(t, "delete -f deploy", k.must("delete", "-f", deploy), `deployment.apps "api" deleted`)
}

func TestGetWatch(t *testing.T) {
	k := newKubectl(t, apiservertest.Start(t))
	dir := t.TempDir()
	first := writeFile(t, dir, "pod.yaml")
	k.must("create", "-f", first)
	lines := k.watchLines("get", "pods", "-w")
	waitLine(t, lines, func(l string) bool { return strings.HasPrefix(l, "NAME") }, "watch header")
	waitLine(t, lines, func(l string) bool { return strings.HasPrefix(l, "web ") }, "initial row web")

	second := writeFile(t, t.TempDir(), "pod.yaml", "name: web", "name: web2")
	k.must("create", "-f", second)
	row := waitLine(t, lines, func(l string) bool { return strings.HasPrefix(l, "web2 ") }, "watched row web2")
	if f := columnSep.Split(row, -1); len(f) < 3 || f[2] != "Pending" {
		t.Errorf("watched row %q, want web2 ... Pending", row)
	}
	k.must("label", "pod", "web", "tier=frontend")
	waitLine(t, lines, func(l string) bool { return strings.HasPrefix(l, "web ") }, "row web after label")
}
