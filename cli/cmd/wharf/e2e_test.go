package main_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
	"github.com/wharfhq/wharf/proto/kubeconfig"
)

var wharfBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wharf-cli-e2e")
	if err != nil {
		panic(err)
	}
	wharfBin = filepath.Join(dir, "wharf")
	if out, err := exec.Command("go", "build", "-o", wharfBin, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cluster is an apiserver and a private HOME/KUBECONFIG for the CLI.
type cluster struct {
	t          *testing.T
	home       string
	kubeconfig string
}

func newCluster(t *testing.T, opts ...apiservertest.Option) *cluster {
	srv := apiservertest.Start(t, opts...)
	home := t.TempDir()
	kc := filepath.Join(home, "kubeconfig")
	data, err := os.ReadFile(srv.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kc, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return &cluster{t: t, home: home, kubeconfig: kc}
}

func (c *cluster) cmd(ctx context.Context, stdin string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, wharfBin, args...)
	cmd.Env = append(os.Environ(), "HOME="+c.home, "KUBECONFIG="+c.kubeconfig)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	return cmd
}

// run runs wharf and returns stdout, stderr and the exit code.
func (c *cluster) run(stdin string, args ...string) (string, string, int) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := c.cmd(ctx, stdin, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatalf("wharf %v: %v", args, err)
	}
	return out.String(), errOut.String(), code
}

// ok runs wharf, fails the test on a non-zero exit, and returns stdout.
func (c *cluster) ok(stdin string, args ...string) string {
	c.t.Helper()
	out, errOut, code := c.run(stdin, args...)
	if code != 0 {
		c.t.Fatalf("wharf %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func readFile(t *testing.T, name string) string {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hello", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func wantMatch(t *testing.T, out, pattern string) {
	t.Helper()
	if !regexp.MustCompile(pattern).MatchString(out) {
		t.Fatalf("output does not match %q:\n%s", pattern, out)
	}
}

// TestSeedWalkthrough plays the OpenShift hands-on guide's commands.
func TestSeedWalkthrough(t *testing.T) {
	c := newCluster(t)
	out := c.ok("", "new-project", "hack", "--display-name=Hack Night", "--description=The Hack Night Demo Project", "--admin=anypassword:admin")
	wantMatch(t, out, `Now using project "hack" on server`)

	wantMatch(t, c.ok(readFile(t, "hello-pod.json"), "create", "-n", "hack", "-f", "-"), `^pod/hello-openshift created\n$`)
	out = c.ok("", "get", "-n", "hack", "pods")
	wantMatch(t, out, `^NAME +READY +STATUS +RESTARTS +AGE\n`)
	wantMatch(t, out, `\nhello-openshift +0/1 +Pending +0 +\d+s\n`)

	wantMatch(t, c.ok(readFile(t, "hello-service.json"), "create", "-n", "hack", "-f", "-"), `^service/hello-openshift created\n$`)
	out = c.ok("", "get", "-n", "hack", "service")
	wantMatch(t, out, `^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE\n`)
	wantMatch(t, out, `\nhello-openshift +ClusterIP +\S+ +<none> +27017/TCP +\d+s\n`)

	rc := readFile(t, "hello-controller.json")
	wantMatch(t, c.ok(rc, "create", "-n", "hack", "-f", "-"), `^replicationcontroller/hello-controller created\n$`)
	wantMatch(t, c.ok("", "get", "-n", "hack", "rc"), `\nhello-controller +1 +\d+ +\d+ +\d+s\n`)

	rc3 := strings.Replace(rc, `"replicas": 1`, `"replicas": 3`, 1)
	wantMatch(t, c.ok(rc3, "update", "-n", "hack", "-f", "-"), `^replicationcontroller/hello-controller replaced\n$`)
	wantMatch(t, c.ok("", "get", "-n", "hack", "rc"), `\nhello-controller +3 +\d+ +\d+ +\d+s\n`)

	out = c.ok("", "get", "-n", "hack", "service", "hello-openshift", `--template={{ .spec.selector.name }}`)
	if out != "hello-openshift" {
		t.Fatalf("--template: got %q", out)
	}
	// The project is now the context's namespace: no -n needed.
	wantMatch(t, c.ok("", "get", "pods"), `hello-openshift`)
	wantMatch(t, c.ok("", "projects"), `\* hack - Hack Night`)
	_, errOut, _ := c.run("", "get", "minions")
	wantMatch(t, errOut, `No resources found`)
}

func TestApplyRoundTrip(t *testing.T) {
	c := newCluster(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "deploy.yaml")
	manifest := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, tier: front}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        env: [{name: MODE, value: fast}]
`
	os.WriteFile(file, []byte(manifest), 0o644)
	wantMatch(t, c.ok("", "apply", "-f", file), `^deployment.apps/web created\n$`)
	wantMatch(t, c.ok("", "apply", "-f", file), `^deployment.apps/web unchanged\n$`)

	// Removing a field from the file removes it from the object.
	edited := strings.Replace(strings.Replace(manifest, ", tier: front", "", 1), "        env: [{name: MODE, value: fast}]\n", "", 1)
	os.WriteFile(file, []byte(edited), 0o644)
	wantMatch(t, c.ok("", "apply", "-f", file), `^deployment.apps/web configured\n$`)
	out := c.ok("", "get", "deploy", "web", "-o", "jsonpath={.metadata.labels.tier}|{.spec.template.spec.containers[0].env}")
	if out != "|" {
		t.Fatalf("removed fields still present: %q", out)
	}

	// -o yaml output applies back cleanly.
	yamlOut := c.ok("", "get", "deployment", "web", "-o", "yaml")
	os.WriteFile(file, []byte(yamlOut), 0o644)
	wantMatch(t, c.ok("", "apply", "-f", file), `^deployment.apps/web (configured|unchanged)\n$`)
	wantMatch(t, c.ok("", "get", "deploy", "web", "-o", "name"), `^deployment.apps/web\n$`)
}

func TestErrors(t *testing.T) {
	c := newCluster(t)
	cases := []struct {
		args   []string
		stdin  string
		stderr string
	}{
		{[]string{"get", "pods", "nosuch"}, "", `^Error from server \(NotFound\): pods "nosuch" not found\n$`},
		{[]string{"get", "bogus"}, "", `^error: the server doesn't have a resource type "bogus"\n$`},
		{[]string{"create", "-f", "-"}, "kind: [", `^error: error parsing STDIN`},
		{[]string{"create", "-f", "/no/such/file.yaml"}, "", `^error: the path "/no/such/file.yaml" does not exist\n$`},
		{[]string{"get", "pods", "-o", "bogus"}, "", `^error: unable to match a printer`},
		{[]string{"create", "-f", "-"}, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"BAD_NAME"},"spec":{"containers":[{"name":"c","image":"x"}]}}`,
			`^Error from server \(Invalid\): Pod "BAD_NAME" is invalid: metadata.name: Invalid value: "BAD_NAME"`},
		{[]string{"scale", "rc", "nosuch"}, "", `^error: the --replicas=COUNT flag is required`},
	}
	for _, tc := range cases {
		_, errOut, code := c.run(tc.stdin, tc.args...)
		if code != 1 {
			t.Errorf("wharf %v: exit %d, want 1", tc.args, code)
		}
		if !regexp.MustCompile(tc.stderr).MatchString(errOut) {
			t.Errorf("wharf %v: stderr %q does not match %q", tc.args, errOut, tc.stderr)
		}
		if strings.Contains(errOut, "goroutine") || strings.Contains(errOut, `{"kind":"Status"`) {
			t.Errorf("wharf %v: raw error shown to the user: %s", tc.args, errOut)
		}
	}
}

func TestGetWatchPrintsChanges(t *testing.T) {
	c := newCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := c.cmd(ctx, "", "get", "configmaps", "-w")
	var out syncBuffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); cmd.Wait() }()
	// The list prints the header first; the watch then resumes from the
	// list's resourceVersion, so nothing created after this point is missed.
	if !waitFor(&out, "NAME", 10*time.Second) {
		t.Fatalf("get -w printed no header; output:\n%s", out.String())
	}
	if strings.Contains(out.String(), "watched") {
		t.Fatal("configmap listed before it was created")
	}
	c.ok("", "create", "configmap", "watched", "--from-literal=a=b")
	if !waitFor(&out, "watched", 10*time.Second) {
		t.Fatalf("get -w never printed the new configmap; output:\n%s", out.String())
	}
}

func TestMutatingVerbs(t *testing.T) {
	c := newCluster(t)
	rc := readFile(t, "hello-controller.json")
	c.ok(rc, "create", "-f", "-")
	wantMatch(t, c.ok("", "scale", "rc", "hello-controller", "--replicas=4"), `^replicationcontroller/hello-controller scaled\n$`)
	if out := c.ok("", "get", "rc/hello-controller", "-o", "jsonpath={.spec.replicas}"); out != "4" {
		t.Fatalf("replicas after scale: %q", out)
	}
	_, errOut, code := c.run("", "scale", "rc", "hello-controller", "--replicas=2", "--current-replicas=3")
	if code == 0 || !strings.Contains(errOut, "expected replicas to be 3, was 4") {
		t.Fatalf("--current-replicas precondition: code %d, %s", code, errOut)
	}

	wantMatch(t, c.ok("", "label", "rc", "hello-controller", "tier=web"), `^replicationcontroller/hello-controller labeled\n$`)
	_, errOut, _ = c.run("", "label", "rc", "hello-controller", "tier=db")
	wantMatch(t, errOut, `already has a value \(web\), and --overwrite is false`)
	c.ok("", "label", "rc/hello-controller", "tier=db", "--overwrite")
	c.ok("", "annotate", "rc/hello-controller", "note=hi")
	out := c.ok("", "get", "rc", "hello-controller", "-o", "jsonpath={.metadata.labels.tier}/{.metadata.annotations.note}")
	if out != "db/hi" {
		t.Fatalf("label/annotate: %q", out)
	}
	c.ok("", "label", "rc/hello-controller", "tier-")
	if out := c.ok("", "get", "rc", "hello-controller", "--show-labels", "--no-headers"); strings.Contains(out, "tier=") {
		t.Fatalf("label not removed: %q", out)
	}

	out = c.ok("", "describe", "rc", "hello-controller")
	wantMatch(t, out, `(?m)^Name:\s+hello-controller$`)
	wantMatch(t, out, `(?m)^Annotations:\s+note: hi$`)

	wantMatch(t, c.ok("", "patch", "rc", "hello-controller", "--type=merge", "-p", `{"spec":{"replicas":1}}`), `patched`)
	wantMatch(t, c.ok("", "delete", "rc", "hello-controller"), `^replicationcontroller "hello-controller" deleted\n$`)
	_, errOut, _ = c.run("", "get", "rc", "hello-controller")
	wantMatch(t, errOut, `NotFound`)

	c.ok("", "create", "namespace", "tmp")
	c.ok("", "create", "configmap", "a", "-n", "tmp", "--from-literal=k=v")
	c.ok("", "create", "configmap", "b", "-n", "tmp", "--from-literal=k=v")
	wantMatch(t, c.ok("", "delete", "configmaps", "--all", "-n", "tmp"), `configmap "a" deleted\nconfigmap "b" deleted\n`)
}

// TestOverTLSWithRBAC uses the generated admin kubeconfig (client
// certificate, CA) against an HTTPS apiserver with RBAC, and a bad token
// against the same server.
func TestOverTLSWithRBAC(t *testing.T) {
	c := newCluster(t, apiservertest.WithTLS())
	wantMatch(t, c.ok("", "get", "namespaces"), `(?m)^kube-system +Active`)
	wantMatch(t, c.ok("", "get", "service", "kubernetes", "-o", "jsonpath={.spec.clusterIP}"), `^10\.96\.0\.1$`)
	kc, err := kubeconfig.Load(c.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	server := kc.Clusters[0].Cluster.Server
	_, errOut, code := c.run("", "get", "pods", "--kubeconfig=/dev/null", "--server="+server, "--insecure-skip-tls-verify", "--token=not-a-valid-token")
	if code != 1 || !strings.Contains(errOut, "Unauthorized") {
		t.Fatalf("bad token: exit %d, stderr %q", code, errOut)
	}
}
