package app

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
)

// TestExecWithCLIs: wharf and upstream kubectl v1.37 (both built from
// this workspace and run as programs, so the kubelet imports neither) run
// exec and port-forward through the HTTPS apiserver and this kubelet
// into real containers: output, exit codes, piped stdin and HTTP through
// a forwarded port.
func TestExecWithCLIs(t *testing.T) {
	cl, s := newTLSCluster(t)
	pod := cl.createPod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "shell"}, Spec: corev1.PodSpec{Containers: []corev1.Container{
		{Name: "hello", Image: "hello", Ports: []corev1.ContainerPort{{ContainerPort: 8080}}},
		{Name: "tools", Image: "tools", Command: []string{"sleep", "3600"}},
	}}})
	cl.waitPod(pod.Name, "running", func(p *corev1.Pod) bool {
		return running(p) && len(p.Status.ContainerStatuses) == 2 &&
			p.Status.ContainerStatuses[0].State.Running != nil && p.Status.ContainerStatuses[1].State.Running != nil
	})
	bins := t.TempDir()
	for name, pkg := range map[string]string{"wharf": "./cli/cmd/wharf", "kubectl": "./hack/tools/kubectl"} {
		if err := goBuild(pkg, filepath.Join(bins, name)); err != nil {
			t.Fatal(err)
		}
	}
	home := t.TempDir()
	for _, cli := range []string{"wharf", "kubectl"} {
		run := func(stdin string, args ...string) (string, error) {
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, filepath.Join(bins, cli), append([]string{"--kubeconfig", s.Kubeconfig}, args...)...)
			cmd.Env = append(os.Environ(), "HOME="+home)
			cmd.Stdin = strings.NewReader(stdin)
			out, err := cmd.CombinedOutput()
			return string(out), err
		}
		checkExec(t, cli, run)
		checkPortForward(t, cli, filepath.Join(bins, cli), s.Kubeconfig, home)
		checkAttach(t, cl, cli, run)
	}
}

// checkAttach attaches to a container that counts for a few seconds and
// exits: the attach shows its output and ends with it.
func checkAttach(t *testing.T, cl *cluster, cli string, run func(stdin string, args ...string) (string, error)) {
	t.Helper()
	name := "ticker-" + cli
	cl.createPod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
		Containers: []corev1.Container{{Name: "c", Image: "tools",
			Command: []string{"sh", "-c", "sleep 2; i=0; while [ $i -lt 30 ]; do echo tick-$i; i=$((i+1)); sleep 0.1; done"}}}}})
	cl.waitPod(name, "running", running)
	out, err := run("", "attach", name)
	if err != nil || !strings.Contains(out, "tick-29\n") {
		t.Errorf("%s attach = %q, %v; want the ticks up to tick-29, ending with the container", cli, out, err)
	}
}

// checkExec runs exec with a CLI taking kubectl's flags.
func checkExec(t *testing.T, cli string, run func(stdin string, args ...string) (string, error)) {
	t.Helper()
	if out, err := run("", "exec", "shell", "-c", "tools", "--", "cat", "/etc/hostname"); err != nil || out != "shell\n" {
		t.Errorf("%s exec cat /etc/hostname = %q, %v; want the pod name", cli, out, err)
	}
	out, err := run("", "exec", "shell", "-c", "tools", "--", "sh", "-c", "echo failing; exit 3")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || !strings.Contains(out, "failing") {
		t.Errorf("%s exec exit 3 = %q, %v; want exit status 3", cli, out, err)
	}
	if out, err := run("line one\nline two\n", "exec", "-i", "shell", "-c", "tools", "--", "cat"); err != nil || out != "line one\nline two\n" {
		t.Errorf("%s exec -i cat = %q, %v; want stdin back, ended by its EOF", cli, out, err)
	}
}

var forwardingLine = regexp.MustCompile(`Forwarding from 127\.0\.0\.1:(\d+) -> 8080`)

// checkPortForward runs `<bin> port-forward shell :8080`, reads the local
// port it chose and fetches the hello page through it twice.
func checkPortForward(t *testing.T, cli, bin, kubeconfig, home string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--kubeconfig", kubeconfig, "port-forward", "shell", ":8080")
	cmd.Env = append(os.Environ(), "HOME="+home)
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
			if m := forwardingLine.FindStringSubmatch(sc.Text()); m != nil {
				portC <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	var port string
	select {
	case port = <-portC:
	case <-ctx.Done():
		t.Fatalf("%s port-forward printed no forwarding line; stderr: %s", cli, stderr.String())
	}
	for i := 1; i <= 2; i++ {
		body, err := fetch(ctx, "http://127.0.0.1:"+port+"/")
		if err != nil || !strings.Contains(body, "Hello OpenShift!") {
			t.Errorf("%s port-forward GET #%d = %q, %v; stderr: %s", cli, i, body, err, stderr.String())
		}
	}
}

func fetch(ctx context.Context, url string) (string, error) {
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

// goBuild builds a package of the workspace into out.
func goBuild(pkg, out string) error {
	work, err := exec.Command("go", "env", "GOWORK").Output()
	if w := strings.TrimSpace(string(work)); err != nil || w == "" || w == "off" {
		return fmt.Errorf("locating the wharf workspace (go env GOWORK): %v", err)
	}
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(work)))
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w: %s", pkg, err, b)
	}
	return nil
}
