package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/hack/cluster"
	"github.com/wharfhq/wharf/hack/internal/gobuild"
	"github.com/wharfhq/wharf/proto/client"
)

// execPod has a hello server (port 8080) and an idle tools shell.
func execPod(name, node string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{
			{Name: "hello", Image: "hello", Ports: []corev1.ContainerPort{{ContainerPort: 8080}}},
			{Name: "tools", Image: "tools", Command: []string{"sleep", "3600"}},
		}}}
}

// execScenario: pods/exec, pods/portforward and pods/attach end to end
// (CLI → apiserver → kubelet → containerd / the pod's netns) with wharf,
// then with upstream kubectl: a command's output, its exit code, piped
// stdin, an HTTP request through a forwarded local port, and the output of
// an attached container until it exits.
func execScenario(t *testing.T, e *env) {
	e.require(t, cluster.BinKubelet, cluster.BinCLI)
	node := e.c.Nodes()[0]
	ctx := timeout(t, 4*time.Minute)
	const ns, name = "exec", "shell"
	e.createNamespace(ctx, t, ns)
	if _, err := client.Pods(e.cl, ns).Create(ctx, execPod(name, node), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.waitPod(ctx, t, ns, name, "Running with both containers ready", func(p *corev1.Pod) bool {
		ready := 0
		for _, s := range p.Status.ContainerStatuses {
			if s.State.Running != nil {
				ready++
			}
		}
		return running(p) && ready == 2
	})
	wharf := func(stdin string, args ...string) (string, error) {
		return e.wharf(ctx, stdin, append([]string{"-n", ns}, args...)...)
	}
	checkExec(t, "wharf", wharf, name)
	checkPortForward(ctx, t, "wharf", e.c.Binaries().Path(cluster.BinCLI), e.kubeconfig, ns, name)
	e.checkAttach(ctx, t, "wharf", ns, node, wharf)

	kubectl := buildKubectl(ctx, t)
	run := func(stdin string, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, kubectl, append([]string{"--kubeconfig", e.kubeconfig, "-n", ns}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	checkExec(t, "kubectl", run, name)
	checkPortForward(ctx, t, "kubectl", kubectl, e.kubeconfig, ns, name)
	e.checkAttach(ctx, t, "kubectl", ns, node, run)
}

// checkAttach attaches to a container that counts for a few seconds and
// exits: the attach shows its output and ends with it.
func (e *env) checkAttach(ctx context.Context, t *testing.T, cli, ns, node string, run func(stdin string, args ...string) (string, error)) {
	t.Helper()
	name := "ticker-" + cli
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{NodeName: node, RestartPolicy: corev1.RestartPolicyNever,
		Containers: []corev1.Container{{Name: "c", Image: "tools",
			Command: []string{"sh", "-c", "sleep 4; i=0; while [ $i -lt 30 ]; do echo tick-$i; i=$((i+1)); sleep 0.1; done"}}}}}
	if _, err := client.Pods(e.cl, ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.waitPod(ctx, t, ns, name, "Running", running)
	out, err := run("", "attach", name)
	if err != nil || !strings.Contains(out, "tick-29\n") {
		t.Errorf("%s attach = %q, %v; want the ticks up to tick-29, ending with the container", cli, out, err)
	}
}

// checkExec runs exec through cli (wharf or kubectl, same flags).
func checkExec(t *testing.T, cli string, run func(stdin string, args ...string) (string, error), pod string) {
	t.Helper()
	if out, err := run("", "exec", pod, "-c", "tools", "--", "cat", "/etc/hostname"); err != nil || out != pod+"\n" {
		t.Errorf("%s exec cat /etc/hostname = %q, %v; want the pod name", cli, out, err)
	}
	out, err := run("", "exec", pod, "-c", "tools", "--", "sh", "-c", "echo failing; exit 3")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || !strings.Contains(out, "failing") {
		t.Errorf("%s exec exit 3 = %q, %v; want exit status 3", cli, out, err)
	}
	if out, err := run("line one\nline two\n", "exec", "-i", pod, "-c", "tools", "--", "cat"); err != nil || out != "line one\nline two\n" {
		t.Errorf("%s exec -i cat = %q, %v; want stdin back, ended by its EOF", cli, out, err)
	}
}

var forwarding = regexp.MustCompile(`Forwarding from 127\.0\.0\.1:(\d+) -> 8080`)

// checkPortForward runs `<bin> port-forward POD :8080`, reads the local
// port it chose and fetches the hello page through it.
func checkPortForward(ctx context.Context, t *testing.T, cli, bin, kubeconfig, ns, pod string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, "--kubeconfig", kubeconfig, "-n", ns, "port-forward", pod, ":8080")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	portC := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := forwarding.FindStringSubmatch(sc.Text()); m != nil {
				portC <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	var port string
	select {
	case port = <-portC:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s port-forward printed no forwarding line; stderr: %s", cli, stderr.String())
	}
	for i := 0; i < 2; i++ { // two connections over one forwarding session
		body, err := httpGet(ctx, "http://127.0.0.1:"+port+"/")
		if err != nil || !strings.Contains(body, hello) {
			t.Errorf("%s port-forward GET #%d = %q, %v; stderr: %s", cli, i+1, body, err, stderr.String())
		}
	}
}

func httpGet(ctx context.Context, url string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// buildKubectl builds upstream kubectl v1.37 from source (hack/tools/
// kubectl, as the hack/kubectl suite does; seconds with a warm build
// cache) into the test's temp dir.
func buildKubectl(ctx context.Context, t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kubectl")
	ldflags := fmt.Sprintf("-s -w -X k8s.io/client-go/pkg/version.gitVersion=%[1]s -X k8s.io/component-base/version.gitVersion=%[1]s", "v1.37.2")
	if err := gobuild.Build(ctx, "./hack/tools/kubectl", bin, ldflags); err != nil {
		t.Fatalf("building kubectl: %v", err)
	}
	return bin
}
