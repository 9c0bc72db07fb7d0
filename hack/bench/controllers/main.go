// Command controllers benchmarks the ReplicaSet controller as issue 7
// asks: scale one ReplicaSet 0 → N pods and back against a real
// wharf-apiserver (embedded etcd) and a real wharf-controller-manager, and
// report the time until all pods exist and until all are gone, and the
// most pods ever seen at once (over-creation check). Pods stay unbound
// (no scheduler), so deleting them is immediate, as upstream.
//
//	go run ./hack/bench/controllers --pods 5000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/wharfhq/wharf/hack/bench"
	"github.com/wharfhq/wharf/hack/internal/gobuild"
	"github.com/wharfhq/wharf/proto/client"
)

func main() {
	pods := flag.Int("pods", 5000, "replicas to scale to")
	flag.Parse()
	if err := run(*pods); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(n int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "wharf-cm-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	apiBin, cmBin := filepath.Join(dir, "wharf-apiserver"), filepath.Join(dir, "wharf-controller-manager")
	if err := gobuild.Build(ctx, "./apiserver/cmd/wharf-apiserver", apiBin, ""); err != nil {
		return err
	}
	if err := gobuild.Build(ctx, "./controller-manager/cmd/wharf-controller-manager", cmBin, ""); err != nil {
		return err
	}
	api, err := bench.StartAPIServer(ctx, apiBin, dir)
	if err != nil {
		return err
	}
	defer api.Stop()
	cm := exec.Command(cmBin, "--master", api.URL, "--controllers", "replicaset", "--leader-elect=false",
		"--kube-api-qps", "-1", "--bind-address", "", "--log-level", "warn")
	cm.Stdout, cm.Stderr = os.Stderr, os.Stderr
	cm.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cm.Start(); err != nil {
		return err
	}
	defer func() { _ = cm.Process.Kill(); _ = cm.Wait() }()
	c, err := client.New(&client.Config{Host: api.URL, QPS: -1})
	if err != nil {
		return err
	}
	up, peak, down, err := scaleUpAndDown(ctx, c, n)
	if err != nil {
		return err
	}
	fmt.Printf("%-52s %-12s %-10s\n", "measurement", "result", "target")
	fmt.Printf("%-52s %-12s %-10s\n", fmt.Sprintf("ReplicaSet 0 → %d pods, all created", n), up.Round(time.Millisecond), "<= 5s")
	fmt.Printf("%-52s %-12s %-10s\n", fmt.Sprintf("ReplicaSet %d → 0 pods, all gone", n), down.Round(time.Millisecond), "")
	fmt.Printf("%-52s %-12d %-10d\n", "most pods seen at once (over-creation check)", peak, n)
	return nil
}

// scaleUpAndDown creates a ReplicaSet of 0, scales it to n and back to 0,
// counting pods through a watch.
func scaleUpAndDown(ctx context.Context, c *client.Client, n int) (up time.Duration, peak int, down time.Duration, err error) {
	zero := int32(0)
	labels := map[string]string{"bench": "rs"}
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "bench", Namespace: "default"},
		Spec: appsv1.ReplicaSetSpec{Replicas: &zero, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "hello"}}}}},
	}
	created, err := client.ReplicaSets(c, "default").Create(ctx, rs, metav1.CreateOptions{})
	if err != nil {
		return 0, 0, 0, err
	}
	w, err := client.Pods(c, "default").Watch(ctx, metav1.ListOptions{LabelSelector: "bench=rs", ResourceVersion: created.ResourceVersion})
	if err != nil {
		return 0, 0, 0, err
	}
	defer w.Stop()
	count := 0
	waitFor := func(target int) error {
		for count != target {
			select {
			case <-ctx.Done():
				return fmt.Errorf("timed out at %d pods (want %d)", count, target)
			case ev, ok := <-w.Events():
				if !ok {
					return fmt.Errorf("watch ended at %d pods: %v", count, w.Err())
				}
				switch ev.Type {
				case watch.Added:
					count++
				case watch.Deleted:
					count--
				}
				peak = max(peak, count)
			}
		}
		return nil
	}
	scale := func(r int) error {
		_, err := client.ReplicaSets(c, "default").Patch(ctx, "bench", types.MergePatchType,
			[]byte(fmt.Sprintf(`{"spec":{"replicas":%d}}`, r)), metav1.PatchOptions{})
		return err
	}
	start := time.Now()
	if err := scale(n); err != nil {
		return 0, 0, 0, err
	}
	if err := waitFor(n); err != nil {
		return 0, 0, 0, err
	}
	up = time.Since(start)
	time.Sleep(2 * time.Second) // any over-creation would show up here
	if err := waitFor(n); err != nil {
		return 0, 0, 0, err
	}
	start = time.Now()
	if err := scale(0); err != nil {
		return 0, 0, 0, err
	}
	if err := waitFor(0); err != nil {
		return 0, 0, 0, err
	}
	return up, peak, time.Since(start), nil
}
