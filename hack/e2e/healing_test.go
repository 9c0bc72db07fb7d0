package e2e

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/hack/cluster"
	"github.com/wharfhq/wharf/proto/client"
)

// createRC creates an RC of hello pods labelled app=name in ns, with
// tolerations added to its pod template.
func (e *env) createRC(ctx context.Context, t *testing.T, ns, name string, replicas int32, tol []corev1.Toleration) {
	t.Helper()
	labels := map[string]string{"app": name}
	tmpl := helloPod("", "", labels)
	tmpl.Spec.Tolerations = tol
	rc := &corev1.ReplicationController{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ReplicationControllerSpec{Replicas: &replicas, Selector: labels,
			Template: &corev1.PodTemplateSpec{ObjectMeta: tmpl.ObjectMeta, Spec: tmpl.Spec}}}
	if _, err := client.ReplicationControllers(e.cl, ns).Create(ctx, rc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// healing: an RC keeps 3 running replicas while its pods are deleted,
// round after round; replacements are new pods.
func healing(t *testing.T, e *env) {
	e.require(t, cluster.BinScheduler, cluster.BinControllerManager, cluster.BinKubelet)
	ctx := timeout(t, 3*time.Minute)
	const ns = "heal"
	e.createNamespace(ctx, t, ns)
	e.createRC(ctx, t, ns, "keeper", 3, nil)
	pods := e.waitLive(ctx, t, ns, "app=keeper", 3)
	seen := map[string]bool{}
	for round := range 3 {
		for _, p := range pods {
			seen[p.Name] = true
		}
		for _, p := range pods[:round%2+1] { // 1 or 2 kills per round
			if err := client.Pods(e.cl, ns).Delete(ctx, p.Name, metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		pods = e.waitLive(ctx, t, ns, "app=keeper", 3)
		fresh := 0
		for _, p := range pods {
			if !seen[p.Name] {
				fresh++
			}
		}
		if want := round%2 + 1; fresh != want {
			t.Errorf("round %d: %d new pods, want %d: %s", round, fresh, want, podStates(pods))
		}
	}
}

// nodeLoss stops the last node outright; after the node lifecycle
// controller's grace period and the pods' 2 s tolerations, the RC's pods
// from it run on the remaining nodes. It leaves that node dead, so it runs
// last.
func nodeLoss(t *testing.T, e *env) {
	e.require(t, cluster.BinScheduler, cluster.BinControllerManager, cluster.BinKubelet)
	nodes := e.c.Nodes()
	if len(nodes) < 2 {
		t.Fatalf("nodeloss needs 2 nodes, cluster has %v", nodes)
	}
	victim := nodes[len(nodes)-1]
	// Default grace period 40 s + 2 s toleration + rescheduling.
	ctx := timeout(t, 4*time.Minute)
	const ns = "loss"
	e.createNamespace(ctx, t, ns)
	two := int64(2)
	var tol []corev1.Toleration
	for _, key := range []string{"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"} {
		tol = append(tol, corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists,
			Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &two})
	}
	e.createRC(ctx, t, ns, "mover", 4, tol)
	pods := e.waitLive(ctx, t, ns, "app=mover", 4)
	if !slices.ContainsFunc(pods, func(p *corev1.Pod) bool { return p.Spec.NodeName == victim }) {
		t.Fatalf("scheduler put no pod on %s, nothing to move: %s", victim, podStates(pods))
	}
	start := time.Now()
	if err := e.c.StopNode(victim); err != nil {
		t.Fatal(err)
	}
	e.poll(ctx, t, "4 running pods off "+victim, func() error {
		live, err := e.livePods(ctx, ns, "app=mover")
		if err != nil {
			return err
		}
		off := slices.DeleteFunc(slices.Clone(live), func(p *corev1.Pod) bool { return p.Spec.NodeName == victim })
		if len(off) != 4 {
			return fmt.Errorf("%d running pods off %s: %s", len(off), victim, podStates(live))
		}
		return nil
	})
	t.Logf("pods moved off stopped node %s in %v", victim, time.Since(start).Round(time.Second))
	n, err := client.Nodes(e.cl).Get(ctx, victim, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
			t.Errorf("stopped node %s still Ready", victim)
		}
	}
}
