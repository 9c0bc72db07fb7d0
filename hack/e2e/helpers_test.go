package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/hack/cluster"
	"github.com/wharfhq/wharf/hack/images"
	"github.com/wharfhq/wharf/proto/client"
)

// env is one running cluster plus the wharf CLI pointed at it through a
// private copy of the admin kubeconfig (new-project rewrites its context).
type env struct {
	c          *cluster.Cluster
	cl         *client.Client
	kubeconfig string
}

// startCluster builds the test images and starts a cluster with them.
func startCluster(t *testing.T, opts cluster.Options) *env {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("e2e: needs root (network namespaces, containerd)")
	}
	imgs := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := images.Build(ctx, imgs); err != nil {
		t.Fatalf("e2e: test images: %v", err)
	}
	opts.ImageImportDir = imgs
	c := cluster.Start(t, opts)
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	data, err := os.ReadFile(c.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kc, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return &env{c: c, cl: c.Client(), kubeconfig: kc}
}

// require skips t, naming the reason, unless every binary in bins exists.
func (e *env) require(t *testing.T, bins ...string) {
	t.Helper()
	for _, b := range bins {
		if !e.c.Binaries().Has(b) {
			t.Skipf("%s not available in this checkout: %s", b, e.c.Missing()[b])
		}
	}
}

// wharf runs the wharf CLI with stdin and returns its combined output.
func (e *env) wharf(ctx context.Context, stdin string, args ...string) (string, error) {
	argv := append([]string{"--kubeconfig", e.kubeconfig}, args...)
	cmd := exec.CommandContext(ctx, e.c.Binaries().Path(cluster.BinCLI), argv...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("wharf %s: %w: %s", strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

// mustWharf is wharf that fails t on error.
func (e *env) mustWharf(ctx context.Context, t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, err := e.wharf(ctx, stdin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// curl fetches url from inside node's network namespace.
func (e *env) curl(ctx context.Context, node, url string) (string, error) {
	out, err := e.c.Exec(ctx, node, "curl", "-sS", "--max-time", "3", url)
	return string(out), err
}

// waitHTTP waits until url, fetched from node, answers with want in it.
func (e *env) waitHTTP(ctx context.Context, t *testing.T, node, url, want string) {
	t.Helper()
	e.poll(ctx, t, url+" from "+node, func() error {
		out, err := e.curl(ctx, node, url)
		if err != nil || !strings.Contains(out, want) {
			return fmt.Errorf("%v: %q", err, out)
		}
		return nil
	})
}

// livePods lists ns's pods matching selector that are Running with an IP
// and not being deleted.
func (e *env) livePods(ctx context.Context, ns, selector string) ([]*corev1.Pod, error) {
	list, err := client.Pods(e.cl, ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	var out []*corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning && p.Status.PodIP != "" {
			out = append(out, p)
		}
	}
	return out, nil
}

// waitLive waits until exactly n live pods match selector and all pods
// matching it are live, and returns them.
func (e *env) waitLive(ctx context.Context, t *testing.T, ns, selector string, n int) []*corev1.Pod {
	t.Helper()
	var pods []*corev1.Pod
	e.poll(ctx, t, fmt.Sprintf("%d running pods %s in %s", n, selector, ns), func() error {
		var err error
		if pods, err = e.livePods(ctx, ns, selector); err != nil {
			return err
		}
		all, err := client.Pods(e.cl, ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return err
		}
		if len(pods) != n || len(all.Items) != n {
			return fmt.Errorf("%d running of %d pods: %s", len(pods), len(all.Items), podStates(all.Items))
		}
		return nil
	})
	return pods
}

// waitPod waits until pod ns/name satisfies ok and returns it.
func (e *env) waitPod(ctx context.Context, t *testing.T, ns, name, what string, ok func(*corev1.Pod) bool) *corev1.Pod {
	t.Helper()
	var pod *corev1.Pod
	e.poll(ctx, t, "pod "+ns+"/"+name+" "+what, func() error {
		var err error
		if pod, err = client.Pods(e.cl, ns).Get(ctx, name, metav1.GetOptions{}); err != nil {
			return err
		}
		if !ok(pod) {
			return fmt.Errorf("not yet: %s", podStates([]*corev1.Pod{pod}))
		}
		return nil
	})
	return pod
}

func running(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning && p.Status.PodIP != "" }

// podStates summarises pods for failure messages.
func podStates(pods []*corev1.Pod) string {
	var b strings.Builder
	for _, p := range pods {
		fmt.Fprintf(&b, "[%s %s node=%q ip=%q", p.Name, p.Status.Phase, p.Spec.NodeName, p.Status.PodIP)
		if p.DeletionTimestamp != nil {
			b.WriteString(" deleting")
		}
		for _, cs := range p.Status.ContainerStatuses {
			fmt.Fprintf(&b, " %s restarts=%d", cs.Name, cs.RestartCount)
			if w := cs.State.Waiting; w != nil {
				fmt.Fprintf(&b, " waiting=%s:%s", w.Reason, w.Message)
			}
		}
		b.WriteString("] ")
	}
	return b.String()
}

// createNamespace creates ns.
func (e *env) createNamespace(ctx context.Context, t *testing.T, ns string) {
	t.Helper()
	obj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
	if _, err := client.Namespaces(e.cl).Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The controller-manager creates the default ServiceAccount; pods may
	// need it to be admitted.
	e.poll(ctx, t, "default ServiceAccount in "+ns, func() error {
		_, err := client.ServiceAccounts(e.cl, ns).Get(ctx, "default", metav1.GetOptions{})
		return err
	})
}

// helloPod is a pod of the hello image labelled labels, pinned to node
// unless node is "".
func helloPod(name, node string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "hello", Image: "hello",
			Ports: []corev1.ContainerPort{{ContainerPort: 8080}}}}}}
}

// fetchPod is a tools pod on node that fetches url (retrying for up to
// 30 s) and succeeds only if the answer contains "Hello OpenShift!": the
// pod's phase tells, from inside the pod network, whether url answers.
func fetchPod(name, node, url string) *corev1.Pod {
	// Not wget -T: Debian's busybox-static 1.35 wget segfaults with it.
	script := fmt.Sprintf(`for i in $(seq 30); do timeout 5 wget -q -O - %s | grep -q "Hello OpenShift!" && exit 0; sleep 1; done; exit 1`, url)
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{NodeName: node, RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{Name: "fetch", Image: "tools", Command: []string{"sh", "-c", script}}}}}
}

// runFetch runs fetchPod in ns and fails t unless it succeeds.
func (e *env) runFetch(ctx context.Context, t *testing.T, ns, name, node, url string) {
	t.Helper()
	if _, err := client.Pods(e.cl, ns).Create(ctx, fetchPod(name, node, url), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := e.waitPod(ctx, t, ns, name, "finished", func(p *corev1.Pod) bool {
		return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
	})
	if p.Status.Phase != corev1.PodSucceeded {
		t.Errorf("pod %s on %s could not fetch %s: %s", name, node, url, podStates([]*corev1.Pod{p}))

	}
}

// killContainer SIGKILLs the pod's first container through its node's
// containerd, as a crash would.
func (e *env) killContainer(ctx context.Context, p *corev1.Pod) error {
	if len(p.Status.ContainerStatuses) == 0 || p.Status.ContainerStatuses[0].ContainerID == "" {
		return fmt.Errorf("pod %s has no container ID yet", p.Name)
	}
	_, id, _ := strings.Cut(p.Status.ContainerStatuses[0].ContainerID, "://")
	sock := e.c.ContainerdSocket(p.Spec.NodeName)
	out, err := exec.CommandContext(ctx, "ctr", "--address", sock, "--namespace", "wharf",
		"task", "kill", "--signal", "SIGKILL", id).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ctr task kill %s on %s: %w: %s", id, p.Spec.NodeName, err, out)
	}
	return nil
}

// poll is waitFor that also stops at once, with the reason, when a cluster
// component crashed: a dead kubelet will not start the awaited pod.
func (e *env) poll(ctx context.Context, t *testing.T, what string, f func() error) {
	t.Helper()
	waitFor(ctx, t, what, func() error {
		if err := e.c.Healthy(); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		return f()
	})
}

// waitFor polls f every 250 ms until it returns nil, failing t with f's
// last error when ctx ends.
func waitFor(ctx context.Context, t *testing.T, what string, f func() error) {
	t.Helper()
	for {
		err := f()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// timeout is a context for one scenario.
func timeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
