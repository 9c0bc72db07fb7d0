package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/hack/cluster"
	"github.com/wharfhq/wharf/proto/client"
)

const (
	hello     = "Hello OpenShift!"
	helloSel  = "name=hello-openshift"
	project   = "hack"
	helloSvc  = "hello-openshift"
	svcPort   = 27017
	tmplIPort = "{{.spec.clusterIP}}:{{(index .spec.ports 0).port}}"
)

// example reads hack/examples/name.
func example(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// walkthrough is the seeds' OpenShift walkthrough, step by step, with the
// wharf CLI. Steps depend on each other, so the first failure stops it.
func walkthrough(t *testing.T, e *env) {
	e.require(t, cluster.BinCLI, cluster.BinScheduler, cluster.BinControllerManager, cluster.BinKubelet)
	ctx := timeout(t, 4*time.Minute)
	out := e.mustWharf(ctx, t, "", "new-project", project, "--display-name=Hack Night",
		"--description=This is an example project to demonstrate OpenShift v3", "--admin=anypassword:admin")
	if !strings.Contains(out, `project "hack"`) {
		t.Fatalf("new-project: %q", out)
	}
	ns, err := client.Namespaces(e.cl).Get(ctx, project, metav1.GetOptions{})
	if err != nil || ns.Annotations["openshift.io/display-name"] != "Hack Night" {
		t.Fatalf("project namespace: %v %v", err, ns)
	}

	out = e.mustWharf(ctx, t, example(t, "hello-pod.json"), "create", "-n", project, "-f", "-")
	if !strings.Contains(out, "pod/hello-openshift created") {
		t.Errorf("create pod: %q", out)
	}
	pod := e.waitPod(ctx, t, project, "hello-openshift", "Running", running)
	e.waitHTTP(ctx, t, pod.Spec.NodeName, "http://"+net.JoinHostPort(pod.Status.PodIP, "8080")+"/", hello)

	t.Run("service", func(t *testing.T) { walkService(ctx, t, e) })
	t.Run("controller", func(t *testing.T) { walkController(ctx, t, e) })
	t.Run("restart", func(t *testing.T) { walkRestart(ctx, t, e) })
	t.Run("template", func(t *testing.T) { walkTemplate(ctx, t, e) })
	t.Run("env", func(t *testing.T) { walkEnv(ctx, t, e) })
}

// serviceURL is the hello service's ClusterIP URL.
func (e *env) serviceURL(ctx context.Context, t *testing.T) string {
	t.Helper()
	svc, err := client.Services(e.cl, project).Get(ctx, helloSvc, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if svc.Spec.ClusterIP == "" || len(svc.Spec.Ports) == 0 || svc.Spec.Ports[0].Port != svcPort {
		t.Fatalf("service %s: clusterIP %q ports %v", helloSvc, svc.Spec.ClusterIP, svc.Spec.Ports)
	}
	return fmt.Sprintf("http://%s/", net.JoinHostPort(svc.Spec.ClusterIP, fmt.Sprint(svcPort)))
}

func walkService(ctx context.Context, t *testing.T, e *env) {
	out := e.mustWharf(ctx, t, example(t, "hello-service.json"), "create", "-n", project, "-f", "-")
	if !strings.Contains(out, "service/hello-openshift created") {
		t.Errorf("create service: %q", out)
	}
	e.require(t, cluster.BinProxy)
	url := e.serviceURL(ctx, t)
	for _, n := range e.c.Nodes() {
		e.waitHTTP(ctx, t, n, url, hello)
	}
}

// walkController: the RC (1 replica) adopts the walkthrough's pod, then
// `update -f -` to 3 replicas gives 3 running pods with distinct IPs.
func walkController(ctx context.Context, t *testing.T, e *env) {
	rc := example(t, "hello-controller.json")
	out := e.mustWharf(ctx, t, rc, "create", "-n", project, "-f", "-")
	if !strings.Contains(out, "replicationcontroller/hello-controller created") {
		t.Errorf("create rc: %q", out)
	}
	e.waitLive(ctx, t, project, helloSel, 1)
	var obj map[string]any
	if err := json.Unmarshal([]byte(rc), &obj); err != nil {
		t.Fatal(err)
	}
	obj["spec"].(map[string]any)["replicas"] = 3
	three, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	out = e.mustWharf(ctx, t, string(three), "update", "-n", project, "-f", "-")
	if !strings.Contains(out, "replaced") {
		t.Errorf("update rc: %q", out)
	}
	pods := e.waitLive(ctx, t, project, helloSel, 3)
	ips := map[string]bool{}
	for _, p := range pods {
		ips[p.Status.PodIP] = true
		e.waitHTTP(ctx, t, p.Spec.NodeName, "http://"+net.JoinHostPort(p.Status.PodIP, "8080")+"/", hello)
	}
	if len(ips) != 3 {
		t.Errorf("3 pods share IPs: %s", podStates(pods))
	}
}

// walkRestart: a killed container is restarted in the same pod; with all
// containers killed the service still (again) answers.
func walkRestart(ctx context.Context, t *testing.T, e *env) {
	pods := e.waitLive(ctx, t, project, helloSel, 3)
	victim := pods[0]
	before := victim.Status.ContainerStatuses[0].RestartCount
	if err := e.killContainer(ctx, victim); err != nil {
		t.Fatal(err)
	}
	p := e.waitPod(ctx, t, project, victim.Name, "restarted", func(p *corev1.Pod) bool {
		return running(p) && len(p.Status.ContainerStatuses) > 0 &&
			p.Status.ContainerStatuses[0].RestartCount > before && p.Status.ContainerStatuses[0].Ready
	})
	e.waitHTTP(ctx, t, p.Spec.NodeName, "http://"+net.JoinHostPort(p.Status.PodIP, "8080")+"/", hello)

	for _, p := range e.waitLive(ctx, t, project, helloSel, 3) {
		if err := e.killContainer(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if e.c.Binaries().Has(cluster.BinProxy) {
		url := e.serviceURL(ctx, t)
		e.waitHTTP(ctx, t, e.c.Nodes()[0], url, hello)
	}
	// Same pods: restarted in place, not recreated.
	after := e.waitLive(ctx, t, project, helloSel, 3)
	if names(after) != names(pods) {
		t.Errorf("pods were recreated instead of restarted: before %s, after %s", names(pods), names(after))
	}
}

func names(pods []*corev1.Pod) string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

// walkTemplate: `get services --template` gives IP:port, which answers.
func walkTemplate(ctx context.Context, t *testing.T, e *env) {
	out := strings.TrimSpace(e.mustWharf(ctx, t, "", "get", "services", helloSvc, "-n", project, "--template="+tmplIPort))
	host, port, err := net.SplitHostPort(out)
	if err != nil || net.ParseIP(host) == nil || port != fmt.Sprint(svcPort) {
		t.Fatalf("get --template: %q (%v)", out, err)
	}
	e.require(t, cluster.BinProxy)
	e.waitHTTP(ctx, t, e.c.Nodes()[0], "http://"+out+"/", hello)
}

// walkEnv: a pod created after the service sees its variables.
func walkEnv(ctx context.Context, t *testing.T, e *env) {
	svc, err := client.Services(e.cl, project).Get(ctx, helloSvc, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"HELLO_OPENSHIFT_SERVICE_HOST=" + svc.Spec.ClusterIP,
		fmt.Sprintf("HELLO_OPENSHIFT_SERVICE_PORT=%d", svcPort)}
	// The pod's exit code carries the check, so no log endpoint is needed;
	// the log (when there is one) helps the failure message.
	script := fmt.Sprintf(`env; env | grep -qx %q && env | grep -qx %q`, want[0], want[1])
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "envcheck"},
		Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{Name: "env", Image: "tools", Command: []string{"sh", "-c", script}}}}}
	if _, err := client.Pods(e.cl, project).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := e.waitPod(ctx, t, project, "envcheck", "finished", func(p *corev1.Pod) bool {
		return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
	})
	if p.Status.Phase != corev1.PodSucceeded {
		logs, _ := e.wharf(ctx, "", "logs", "-n", project, "envcheck")
		t.Errorf("new pod's env lacks %v: %s\nlogs:\n%s", want, podStates([]*corev1.Pod{p}), logs)
	}
}
