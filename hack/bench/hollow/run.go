package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/hack/bench"
	"github.com/wharfhq/wharf/proto/client"
)

const leaseDuration = 40 * time.Second

func run(ctx context.Context, o options) error {
	if o.apiserver == "" || o.kubelet == "" || o.nodes < 1 {
		return errors.New("--apiserver, --kubelet and --nodes >= 1 are required")
	}
	if o.workDir == "" {
		d, err := os.MkdirTemp("", "wharf-hollow-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		o.workDir = d
	}
	api, err := bench.StartAPIServer(ctx, o.apiserver, o.workDir)
	if err != nil {
		return err
	}
	defer api.Stop()
	c, err := client.New(&client.Config{Host: api.URL, QPS: -1, Timeout: 2 * time.Minute})
	if err != nil {
		return err
	}
	kl, err := startKubelet(o, api.URL)
	if err != nil {
		return err
	}
	defer kl.stop()
	start := time.Now()
	if err := waitNodesReady(ctx, c, o.nodes, kl); err != nil {
		return err
	}
	fmt.Printf("%-44s %v\n", fmt.Sprintf("%d hollow nodes registered and Ready in", o.nodes), time.Since(start).Round(time.Second))
	time.Sleep(15 * time.Second) // let registration settle before measuring
	rss, _ := rssBytes(kl.cmd.Process.Pid)
	fmt.Printf("%-44s %.1f MiB (%.2f MiB/node)\n", "kubelet RSS, no pods", mib(rss), mib(rss)/float64(o.nodes))
	if o.pods > 0 {
		start = time.Now()
		if err := createPods(ctx, c, o); err != nil {
			return err
		}
		if err := waitPodsRunning(ctx, c, o.pods, kl); err != nil {
			return err
		}
		fmt.Printf("%-44s %v\n", fmt.Sprintf("%d pods created and Running in", o.pods), time.Since(start).Round(time.Second))
	}
	return watchWindow(ctx, c, o, kl)
}

// watchWindow samples lease ages and CPU for o.window.
func watchWindow(ctx context.Context, c *client.Client, o options, kl *kubeletProc) error {
	cpu0, _ := cpuSeconds(kl.cmd.Process.Pid)
	t0 := time.Now()
	var worst time.Duration
	stale := 0
	for time.Since(t0) < o.window {
		if err := sleep(ctx, 5*time.Second); err != nil {
			return err
		}
		age, n, err := leaseAges(ctx, c, o.nodes)
		if err != nil {
			fmt.Fprintln(os.Stderr, "hollow-bench: leases:", err)
			continue
		}
		worst, stale = max(worst, age), max(stale, n)
	}
	cpu1, _ := cpuSeconds(kl.cmd.Process.Pid)
	rss, _ := rssBytes(kl.cmd.Process.Pid)
	fresh := "yes"
	if stale > 0 {
		fresh = fmt.Sprintf("NO (%d stale)", stale)
	}
	fmt.Printf("%-44s %s (oldest renewal seen %v, lease %v)\n", "leases fresh over the window", fresh, worst.Round(time.Second), leaseDuration)
	fmt.Printf("%-44s %.1f%% of a core\n", "kubelet CPU over the window", 100*(cpu1-cpu0)/time.Since(t0).Seconds())
	fmt.Printf("%-44s %.1f MiB (%.2f MiB/node)\n", "kubelet RSS at the end", mib(rss), mib(rss)/float64(o.nodes))
	return nil
}

// leaseAges returns the oldest renewTime age and how many of the nodes'
// leases are missing or older than the lease duration.
func leaseAges(ctx context.Context, c *client.Client, nodes int) (time.Duration, int, error) {
	list, err := client.Leases(c, "kube-node-lease").List(ctx, metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		return 0, 0, err
	}
	var worst time.Duration
	fresh := 0
	for _, l := range list.Items {
		if l.Spec.RenewTime == nil {
			continue
		}
		age := time.Since(l.Spec.RenewTime.Time)
		worst = max(worst, age)
		if age <= leaseDuration {
			fresh++
		}
	}
	return worst, nodes - fresh, nil
}

func createPods(ctx context.Context, c *client.Client, o options) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, o.clients)
	for w := range o.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < o.pods; i = int(next.Add(1)) - 1 {
				pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p-" + strconv.Itoa(i), Namespace: "default"},
					Spec: corev1.PodSpec{NodeName: "hollow-" + strconv.Itoa(i%o.nodes), Containers: []corev1.Container{{Name: "c", Image: "pause"}}}}
				if _, err := client.Pods(c, "default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func waitNodesReady(ctx context.Context, c *client.Client, want int, kl *kubeletProc) error {
	return poll(ctx, kl, 15*time.Minute, func() (bool, string, error) {
		list, err := client.Nodes(c).List(ctx, metav1.ListOptions{ResourceVersion: "0"})
		if err != nil {
			return false, "", err
		}
		ready := 0
		for _, n := range list.Items {
			for _, cond := range n.Status.Conditions {
				if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		return ready >= want, fmt.Sprintf("%d/%d nodes Ready", ready, want), nil
	})
}

func waitPodsRunning(ctx context.Context, c *client.Client, want int, kl *kubeletProc) error {
	return poll(ctx, kl, 30*time.Minute, func() (bool, string, error) {
		list, err := client.Pods(c, "default").List(ctx, metav1.ListOptions{ResourceVersion: "0"})
		if err != nil {
			return false, "", err
		}
		n := 0
		for _, p := range list.Items {
			if p.Status.Phase == corev1.PodRunning {
				n++
			}
		}
		return n >= want, fmt.Sprintf("%d/%d pods Running", n, want), nil
	})
}

// poll calls f every 5s until it reports done, the kubelet exits or the
// timeout passes.
func poll(ctx context.Context, kl *kubeletProc, timeout time.Duration, f func() (bool, string, error)) error {
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ok, msg, err := f()
		if ok && err == nil {
			return nil
		}
		last = msg
		if err != nil { // an overloaded apiserver times out: try again
			last = err.Error()
		}
		select {
		case err := <-kl.done:
			return fmt.Errorf("kubelet exited: %v (log %s)", err, kl.log)
		default:
		}
		if err := sleep(ctx, 5*time.Second); err != nil {
			return err
		}
	}
	return fmt.Errorf("timed out: %s", last)
}

type kubeletProc struct {
	cmd  *exec.Cmd
	done chan error
	log  string
}

func startKubelet(o options, url string) (*kubeletProc, error) {
	kc := filepath.Join(o.workDir, "kubeconfig")
	cfg := "apiVersion: v1\nkind: Config\nclusters:\n- name: b\n  cluster:\n    server: " + url +
		"\ncontexts:\n- name: b\n  context:\n    cluster: b\n    user: b\ncurrent-context: b\nusers:\n- name: b\n  user: {}\n"
	if err := os.WriteFile(kc, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	logPath := filepath.Join(o.workDir, "kubelet.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(o.kubelet, "--kubeconfig", kc, "--hollow-nodes", strconv.Itoa(o.nodes), "--node-name", "hollow",
		"--root-dir", filepath.Join(o.workDir, "kubelet"))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", o.kubelet, err)
	}
	k := &kubeletProc{cmd: cmd, done: make(chan error, 1), log: logPath}
	go func() { k.done <- cmd.Wait() }()
	return k, nil
}

func (k *kubeletProc) stop() {
	_ = k.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-k.done:
	case <-time.After(20 * time.Second):
		_ = k.cmd.Process.Kill()
		<-k.done
	}
}

func rssBytes(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmRSS")
}

// cpuSeconds returns user+system CPU time of pid.
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b)[strings.LastIndexByte(string(b), ')')+1:])
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	s, _ := strconv.ParseFloat(f[12], 64)
	return (u + s) / 100, nil // USER_HZ
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
