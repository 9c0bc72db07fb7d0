package e2e

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/hack/cluster"
	"github.com/wharfhq/wharf/proto/client"
)

// restartStep is one component to restart: where (member or node) and bin.
type restartStep struct{ where, bin string }

// restartOrder is every component of the cluster, control plane first,
// then per node its proxy, flannel and kubelet, and containerd last.
func restartOrder(c *cluster.Cluster) []restartStep {
	var steps []restartStep
	for _, m := range c.Members() {
		for _, b := range []string{cluster.BinEtcd, cluster.BinAPIServer, cluster.BinControllerManager, cluster.BinScheduler} {
			steps = append(steps, restartStep{m, b})
		}
	}
	for _, n := range c.Nodes() {
		for _, b := range []string{cluster.BinProxy, cluster.BinFlannel, cluster.BinKubelet} {
			steps = append(steps, restartStep{n, b})
		}
	}
	for _, n := range c.Nodes() {
		steps = append(steps, restartStep{n, "containerd"})
	}
	return steps
}

// restart (scenario 6): every component is restarted one by one while
// both nodes keep requesting a Service whose pods run on both nodes. No
// request fails, and the pods keep running: same UIDs, same container IDs,
// unchanged restart counts, no pod recreated.
func restart(t *testing.T, e *env) {
	e.require(t, cluster.BinScheduler, cluster.BinControllerManager, cluster.BinKubelet, cluster.BinProxy, cluster.BinFlannel)
	ctx := timeout(t, 6*time.Minute)
	const ns, sel = "restart", "app=steady"
	e.createNamespace(ctx, t, ns)
	e.createRC(ctx, t, ns, "steady", 4, nil)
	svc := e.createService(t, ns, "steady", corev1.ServiceTypeClusterIP, map[string]string{"app": "steady"})
	url := "http://" + net.JoinHostPort(svc.Spec.ClusterIP, "80") + "/"
	e.waitLive(ctx, t, ns, sel, 4)
	e.waitReadyEndpoints(ctx, t, ns, "steady", 4)
	before := e.podSnapshot(ctx, t, ns, sel)
	var loops []*traffic
	for _, n := range e.c.Nodes() {
		e.waitAnswersOnly(ctx, t, n, url, hello)
		tr := e.startTraffic(ctx, n, url)
		t.Cleanup(func() { tr.finish() })
		loops = append(loops, tr)
	}
	t.Logf("pods before: %s", before)
	for _, s := range restartOrder(e.c) {
		start := time.Now()
		if err := e.c.RestartComponent(ctx, s.where, s.bin); err != nil {
			t.Fatalf("restart %s/%s: %v", s.where, s.bin, err)
		}
		// Let requests run against the restarted component before the
		// next; stop at the first failure, which this restart caused.
		for i, tr := range loops {
			tr.waitMore(ctx, t, 20)
			if _, failed, _ := tr.snapshot(); len(failed) > 0 {
				t.Fatalf("requests from %s fail since %s/%s was restarted (%d failed), first: %s",
					e.c.Nodes()[i], s.where, s.bin, len(failed), failed[0])
			}
		}
		t.Logf("restarted %s/%s in %v", s.where, s.bin, time.Since(start).Round(time.Millisecond))
	}
	// Every kubelet, restarted and reconnected to a restarted containerd,
	// has renewed its Lease since, so it has gone through its start-up
	// sync of the pods before they are compared.
	since := metav1.NewMicroTime(time.Now())
	for _, n := range e.c.Nodes() {
		e.waitLeaseRenewed(ctx, t, n, since)
	}
	for i, tr := range loops {
		ok, failed, _ := tr.finish()
		t.Logf("requests from %s during the restarts: %d ok, %d failed", e.c.Nodes()[i], ok, len(failed))
		if len(failed) > 0 {
			t.Errorf("%d of %d requests from %s failed, first: %s", len(failed), ok+len(failed), e.c.Nodes()[i], failed[0])
		}
	}
	if after := e.podSnapshot(ctx, t, ns, sel); after != before {
		t.Errorf("pods changed across the restarts:\nbefore: %s\nafter:  %s", before, after)
	}
}

// waitLeaseRenewed waits until node's kubelet renews its Lease after since.
func (e *env) waitLeaseRenewed(ctx context.Context, t *testing.T, node string, since metav1.MicroTime) {
	t.Helper()
	e.poll(ctx, t, "Lease of "+node+" renewed", func() error {
		l, err := client.Leases(e.cl, "kube-node-lease").Get(ctx, node, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if l.Spec.RenewTime == nil || !since.Before(l.Spec.RenewTime) {
			return fmt.Errorf("renewed at %v", l.Spec.RenewTime)
		}
		return nil
	})
}

// podSnapshot describes ns's pods matching sel by what a restart must not
// change: name, UID, node, IP, phase, and per container its ID and
// restart count.
func (e *env) podSnapshot(ctx context.Context, t *testing.T, ns, sel string) string {
	t.Helper()
	list, err := client.Pods(e.cl, ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range list.Items {
		s := fmt.Sprintf("%s uid=%s node=%s ip=%s %s", p.Name, p.UID, p.Spec.NodeName, p.Status.PodIP, p.Status.Phase)
		for _, cs := range p.Status.ContainerStatuses {
			s += fmt.Sprintf(" %s=%s restarts=%d", cs.Name, cs.ContainerID, cs.RestartCount)
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return strings.Join(out, "; ")
}

// waitReadyEndpoints waits until the EndpointSlices of service ns/name
// list n ready endpoints.
func (e *env) waitReadyEndpoints(ctx context.Context, t *testing.T, ns, name string, n int) {
	t.Helper()
	e.poll(ctx, t, fmt.Sprintf("%d ready endpoints of %s/%s", n, ns, name), func() error {
		list, err := client.EndpointSlices(e.cl, ns).List(ctx, metav1.ListOptions{LabelSelector: "kubernetes.io/service-name=" + name})
		if err != nil {
			return err
		}
		ready := 0
		for _, s := range list.Items {
			for _, ep := range s.Endpoints {
				if ep.Conditions.Ready == nil || *ep.Conditions.Ready {
					ready++
				}
			}
		}
		if ready != n {
			return fmt.Errorf("%d ready endpoints", ready)
		}
		return nil
	})
}
