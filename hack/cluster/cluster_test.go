package cluster_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/hack/cluster"
	"github.com/wharfhq/wharf/proto/client"
)

// TestControlPlane: an RC created through the apiserver gets its pods from
// the controller-manager, and the scheduler binds them to Node objects.
func TestControlPlane(t *testing.T) {
	c := cluster.Start(t, cluster.Options{ControlPlanes: 1})
	requireControllers(t, c)
	ctx := testContext(t)
	addNodes(ctx, t, c.Client(), "fake-1", "fake-2")
	createRC(ctx, t, c.Client(), "web", 3)
	waitScheduled(ctx, t, c.Client(), "web", 3)
}

// TestHA: with 3 members, killing the leading scheduler and
// controller-manager, one apiserver and one etcd member leaves a cluster
// that still creates and schedules pods, led by other members.
func TestHA(t *testing.T) {
	c := cluster.Start(t, cluster.Options{ControlPlanes: 3})
	requireControllers(t, c)
	ctx := testContext(t)
	cl := c.Client()
	addNodes(ctx, t, cl, "fake-1", "fake-2")
	createRC(ctx, t, cl, "web", 2)
	waitScheduled(ctx, t, cl, "web", 2)

	sched := leader(ctx, t, cl, "kube-scheduler")
	cm := leader(ctx, t, cl, "kube-controller-manager")
	t.Logf("leaders: scheduler %s, controller-manager %s", sched, cm)
	mustKill(t, c, sched, cluster.BinScheduler)
	mustKill(t, c, cm, cluster.BinControllerManager)
	victim := otherMember(c, sched, cm)
	mustKill(t, c, victim, cluster.BinAPIServer)
	mustKill(t, c, victim, cluster.BinEtcd)

	scaleRC(ctx, t, cl, "web", 5)
	waitScheduled(ctx, t, cl, "web", 5)
	if now := leader(ctx, t, cl, "kube-scheduler"); now == sched {
		t.Errorf("scheduler leader is still the killed member %s", now)
	}
}

// TestNodes: every node namespace reaches the others over the underlay,
// and kubelets (when they exist) register their Node objects.
func TestNodes(t *testing.T) {
	c := cluster.Start(t, cluster.Options{Nodes: 2})
	ctx := testContext(t)
	out, err := c.Exec(ctx, "n1", "ip", "-4", "addr", "show", "eth0")
	if err != nil || !strings.Contains(string(out), c.NodeIP("n1")+"/24") {
		t.Fatalf("n1 eth0: %v\n%s", err, out)
	}
	if out, err := c.Exec(ctx, "n1", "busybox", "ping", "-c", "1", "-W", "5", c.NodeIP("n2")); err != nil {
		t.Fatalf("n1 → n2 over the underlay: %v\n%s", err, out)
	}
	if !c.Binaries().Has(cluster.BinKubelet) {
		t.Skipf("underlay works; kubelet not available: %s", c.Missing()[cluster.BinKubelet])
	}
	for _, n := range c.Nodes() {
		waitFor(ctx, t, "Node "+n+" registered", func() error {
			_, err := client.Nodes(cl(c)).Get(ctx, n, metav1.GetOptions{})
			return err
		})
	}
}

// TestTeardown: a cluster's namespaces, processes and directory are gone
// once its test ends.
func TestTeardown(t *testing.T) {
	var dir string
	t.Run("cluster", func(t *testing.T) {
		c := cluster.Start(t, cluster.Options{Nodes: 1})
		dir = c.Dir()
		if _, err := os.Stat(dir); err != nil {
			t.Fatal(err)
		}
	})
	if dir == "" {
		t.Skip("cluster did not start")
	}
	assertGone(t, dir)
}

func cl(c *cluster.Cluster) *client.Client { return c.Client() }

func requireControllers(t *testing.T, c *cluster.Cluster) {
	t.Helper()
	for _, b := range []string{cluster.BinScheduler, cluster.BinControllerManager} {
		if !c.Binaries().Has(b) {
			t.Skipf("%s not available: %s", b, c.Missing()[b])
		}
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func mustKill(t *testing.T, c *cluster.Cluster, where, bin string) {
	t.Helper()
	if err := c.KillComponent(where, bin); err != nil {
		t.Fatal(err)
	}
}

func otherMember(c *cluster.Cluster, not ...string) string {
	for _, m := range c.Members() {
		if !contains(not, m) {
			return m
		}
	}
	return c.Members()[0]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// leader waits for the member holding Lease kube-system/name.
func leader(ctx context.Context, t *testing.T, cl *client.Client, name string) string {
	t.Helper()
	var holder string
	waitFor(ctx, t, "leader of "+name, func() (err error) {
		holder, err = cluster.LeaderOf(ctx, cl, name)
		return err
	})
	return holder
}

func waitFor(ctx context.Context, t *testing.T, what string, f func() error) {
	t.Helper()
	var err error
	for {
		if err = f(); err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func addNodes(ctx context.Context, t *testing.T, cl *client.Client, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := client.Nodes(cl).Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		res := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"),
			corev1.ResourceMemory: resource.MustParse("8Gi"), corev1.ResourcePods: resource.MustParse("110")}
		// Controllers (node IPAM) may update the Node meanwhile: retry on conflict.
		waitFor(ctx, t, "Ready status of "+name, func() error {
			n, err := client.Nodes(cl).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			n.Status = corev1.NodeStatus{Capacity: res, Allocatable: res, Conditions: []corev1.NodeCondition{{
				Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
				LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}}}
			_, err = client.Nodes(cl).UpdateStatus(ctx, n, metav1.UpdateOptions{})
			return err
		})
	}
}

func createRC(ctx context.Context, t *testing.T, cl *client.Client, name string, replicas int32) {
	t.Helper()
	labels := map[string]string{"app": name}
	rc := &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.ReplicationControllerSpec{Replicas: &replicas, Selector: labels,
			Template: &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "hello"}}}}},
	}
	if _, err := client.ReplicationControllers(cl, "default").Create(ctx, rc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func scaleRC(ctx context.Context, t *testing.T, cl *client.Client, name string, replicas int32) {
	t.Helper()
	waitFor(ctx, t, "scale "+name, func() error {
		rc, err := client.ReplicationControllers(cl, "default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		rc.Spec.Replicas = &replicas
		_, err = client.ReplicationControllers(cl, "default").Update(ctx, rc, metav1.UpdateOptions{})
		return err
	})
}

// waitScheduled waits until the RC's pods number want, all bound to a node.
func waitScheduled(ctx context.Context, t *testing.T, cl *client.Client, app string, want int) {
	t.Helper()
	waitFor(ctx, t, fmt.Sprintf("%d scheduled pods of %s", want, app), func() error {
		list, err := client.Pods(cl, "default").List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
		if err != nil {
			return err
		}
		bound := 0
		for _, p := range list.Items {
			if p.Spec.NodeName != "" && p.DeletionTimestamp == nil {
				bound++
			}
		}
		if len(list.Items) != want || bound != want {
			return fmt.Errorf("%d pods, %d bound", len(list.Items), bound)
		}
		return nil
	})
}
