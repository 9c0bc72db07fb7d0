package e2e

import (
	"context"
	"fmt"
	"maps"
	"net"
	neturl "net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/wharfhq/wharf/hack/cluster"
	"github.com/wharfhq/wharf/proto/client"
)

const v2 = "Hello v2!"

// traffic fetches a URL from one node in a loop and counts the answers.
type traffic struct {
	mu      sync.Mutex
	ok      int
	failed  []string
	answers map[string]int
	stop    context.CancelFunc
	done    chan struct{}
}

// startTraffic fetches url from node until stopped.
func (e *env) startTraffic(ctx context.Context, node, url string) *traffic {
	ctx, cancel := context.WithCancel(ctx)
	tr := &traffic{answers: map[string]int{}, stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(tr.done)
		for ctx.Err() == nil {
			// 15 s: a loaded CI machine (load 15+, race-enabled tests of
			// other packages) can stall packet processing for seconds; a
			// request sent into a hole (a dead endpoint, a packet left
			// un-DNATed) stays stuck on its conntrack entry and still
			// fails, with serviceState saying where it went.
			out, err := e.c.Exec(ctx, node, "curl", "-sS", "-f", "--max-time", "15", url)
			if ctx.Err() != nil {
				return // cut by stop: not a failed request
			}
			var state string
			if err != nil {
				state = e.serviceState(ctx, node, url)
			}
			tr.mu.Lock()
			if err != nil {
				tr.failed = append(tr.failed, fmt.Sprintf("%s: %v %s [%s]", time.Now().Format("15:04:05.000"), err, out, state))
			} else {
				tr.ok++
				tr.answers[strings.TrimSpace(string(out))]++
			}
			tr.mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return tr
}

// serviceState describes, for a failed request, what node's kernel held
// for the service of url right after: the conntrack entries towards it
// that never got an answer (where their SYNs were sent: the reply source is
// the endpoint chosen, or the service IP itself if nothing was DNATed) and
// the nat rules naming the service's IP.
func (e *env) serviceState(ctx context.Context, node, url string) string {
	u, err := neturl.Parse(url)
	if err != nil {
		return err.Error()
	}
	ip := u.Hostname()
	var parts []string
	if out, err := e.c.Exec(ctx, node, "conntrack", "-L", "-p", "tcp", "-d", ip); err == nil {
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, "SYN_SENT") || strings.Contains(l, "UNREPLIED") {
				parts = append(parts, "conntrack: "+strings.Join(strings.Fields(l), " "))
			}
		}
	}
	if out, err := e.c.Exec(ctx, node, "iptables-save", "-t", "nat"); err == nil {
		parts = append(parts, serviceRules(string(out), ip)...)
	}
	return strings.Join(parts, "; ")
}

// serviceRules picks from an iptables-save of the nat table the rules
// naming ip, then those of the chains they jump to, two levels deep (the
// service chain and its endpoint chains).
func serviceRules(save, ip string) []string {
	lines := strings.Split(save, "\n")
	want, seen := map[string]bool{}, map[string]bool{}
	var out []string
	pick := func(match func(string) bool) {
		for _, l := range lines {
			if !match(l) || seen[l] {
				continue
			}
			seen[l] = true
			out = append(out, "rule: "+l)
			if f := strings.Fields(l); len(f) > 1 && f[len(f)-2] == "-j" && strings.HasPrefix(f[len(f)-1], "KUBE-S") {
				want[f[len(f)-1]] = true
			}
		}
	}
	pick(func(l string) bool { return strings.Contains(l, ip) })
	for range 2 {
		chains := maps.Clone(want)
		clear(want)
		pick(func(l string) bool {
			f := strings.Fields(l)
			return len(f) > 1 && f[0] == "-A" && chains[f[1]]
		})
	}
	return out
}

// waitMore waits until n more requests than now have been answered (or
// failed), so what follows a change was exercised by traffic.
func (tr *traffic) waitMore(ctx context.Context, t *testing.T, n int) {
	t.Helper()
	count := func() int {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		return tr.ok + len(tr.failed)
	}
	want := count() + n
	waitFor(ctx, t, fmt.Sprintf("%d more requests", n), func() error {
		if got := count(); got < want {
			return fmt.Errorf("%d of %d requests done", got, want)
		}
		return nil
	})
}

// finish stops the loop and reports what it saw; it may be called again.
func (tr *traffic) finish() (ok int, failed []string, answers map[string]int) {
	tr.stop()
	<-tr.done
	return tr.snapshot()
}

// snapshot reports what the loop saw so far.
func (tr *traffic) snapshot() (ok int, failed []string, answers map[string]int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.ok, slices.Clone(tr.failed), maps.Clone(tr.answers)
}

// webDeployment is 3 hello replicas rolling one at a time with no
// unavailability, a readiness probe and a preStop pause that outlasts the
// endpoint and iptables update even on a loaded machine (CI runs the other
// packages' race-enabled tests next to this one; 3 s was not always enough).
func webDeployment() *appsv1.Deployment {
	three, zero, one := int32(3), intstr.FromInt32(0), intstr.FromInt32(1)
	labels := map[string]string{"app": "web"}
	pod := helloPod("", "", labels)
	c := &pod.Spec.Containers[0]
	c.ReadinessProbe = &corev1.Probe{PeriodSeconds: 1,
		ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(8080), Path: "/"}}}
	c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 8}}}
	grace := int64(30)
	pod.Spec.TerminationGracePeriodSeconds = &grace
	return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{Replicas: &three, MinReadySeconds: 2,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &zero, MaxSurge: &one}},
			Template: corev1.PodTemplateSpec{ObjectMeta: pod.ObjectMeta, Spec: pod.Spec}}}
}

// rollout: a Deployment's rolling update, then `wharf rollout undo`, under
// continuous requests through its Service: no request fails, and the
// answers switch to the new version and back.
func rollout(t *testing.T, e *env) {
	e.require(t, cluster.BinCLI, cluster.BinScheduler, cluster.BinControllerManager, cluster.BinKubelet, cluster.BinProxy)
	ctx := timeout(t, 4*time.Minute)
	const ns = "roll"
	e.createNamespace(ctx, t, ns)
	if _, err := client.Deployments(e.cl, ns).Create(ctx, webDeployment(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := e.createService(t, ns, "web", corev1.ServiceTypeClusterIP, map[string]string{"app": "web"})
	url := "http://" + net.JoinHostPort(svc.Spec.ClusterIP, "80") + "/"
	e.waitLive(ctx, t, ns, "app=web", 3)
	node := e.c.Nodes()[0]
	e.waitHTTP(ctx, t, node, url, hello)

	tr := e.startTraffic(ctx, node, url)
	patch := fmt.Sprintf(`{"spec":{"template":{"spec":{"containers":[{"name":"hello","env":[{"name":"RESPONSE","value":%q}]}]}}}}`, v2)
	e.mustWharf(ctx, t, "", "patch", "deployment", "web", "-n", ns, "-p", patch)
	e.mustWharf(ctx, t, "", "rollout", "status", "deployment/web", "-n", ns, "--timeout", "3m")
	e.waitHTTP(ctx, t, node, url, v2)
	e.waitLive(ctx, t, ns, "app=web", 3)
	e.waitAnswersOnly(ctx, t, node, url, v2)

	e.mustWharf(ctx, t, "", "rollout", "undo", "deployment/web", "-n", ns)
	e.mustWharf(ctx, t, "", "rollout", "status", "deployment/web", "-n", ns, "--timeout", "3m")
	e.waitLive(ctx, t, ns, "app=web", 3)
	e.waitAnswersOnly(ctx, t, node, url, hello)
	ok, failed, answers := tr.finish()
	t.Logf("rolling update + undo: %d requests ok, %d failed, answers %v", ok, len(failed), answers)
	if len(failed) > 0 {
		t.Errorf("%d of %d requests failed during the rollout: %s", len(failed), ok+len(failed),
			strings.Join(failed[:min(len(failed), 5)], "; "))
	}
	if answers[hello] == 0 || answers[v2] == 0 {
		t.Errorf("answers did not switch version and back: %v", answers)
	}
}

// waitAnswersOnly waits until 10 requests in a row answer want.
func (e *env) waitAnswersOnly(ctx context.Context, t *testing.T, node, url, want string) {
	t.Helper()
	e.poll(ctx, t, url+" answering only "+want, func() error {
		for range 10 {
			out, err := e.curl(ctx, node, url)
			if err != nil || strings.TrimSpace(out) != want {
				return fmt.Errorf("%v: %q", err, out)
			}
		}
		return nil
	})
}
