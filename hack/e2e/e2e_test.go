package e2e

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/hack/cluster"
	"github.com/wharfhq/wharf/proto/client"
)

// TestCluster runs the scenarios that share one 2-node cluster, in an
// order where each leaves the cluster usable for the next; nodeloss stops
// a node and so comes last.
func TestCluster(t *testing.T) {
	e := startCluster(t, cluster.Options{Nodes: 2})
	e.waitNodesReady(t)
	for _, s := range []struct {
		name string
		run  func(*testing.T, *env)
	}{
		{"walkthrough", walkthrough},
		{"network", network},
		{"rollout", rollout},
		{"exec", execScenario},
		{"healing", healing},
		{"restart", restart},
		{"nodeloss", nodeLoss},
	} {
		t.Run(s.name, func(t *testing.T) { s.run(t, e) })
	}
}

// TestNFTablesProxy runs the cross-node network scenario (pod IPs over
// the overlay, a ClusterIP, a NodePort on every node) with every
// wharf-proxy in --proxy-mode=nftables.
func TestNFTablesProxy(t *testing.T) {
	e := startCluster(t, cluster.Options{Nodes: 2, ProxyMode: "nftables"})
	e.waitNodesReady(t)
	network(t, e)
}

// TestHA: with 3 control-plane members, kill the leading scheduler and
// controller-manager, then one other member's apiserver and etcd; an RC
// scaled afterwards still gets its new pods scheduled, started and
// answering.
func TestHA(t *testing.T) {
	e := startCluster(t, cluster.Options{ControlPlanes: 3, Nodes: 1})
	e.require(t, cluster.BinScheduler, cluster.BinControllerManager, cluster.BinKubelet)
	e.waitNodesReady(t)
	ctx := timeout(t, 5*time.Minute)
	const ns = "ha"
	e.createNamespace(ctx, t, ns)
	e.createRC(ctx, t, ns, "ha", 1, nil)
	e.waitLive(ctx, t, ns, "app=ha", 1)

	sched, cm := e.leader(ctx, t, "kube-scheduler"), e.leader(ctx, t, "kube-controller-manager")
	t.Logf("leaders: scheduler on %s, controller-manager on %s", sched, cm)
	var victim string
	for _, m := range e.c.Members() {
		if m != sched && m != cm {
			victim = m
		}
	}
	if victim == "" { // both lead on one member and the loop took the last
		victim = e.c.Members()[0]
	}
	for _, k := range [][2]string{{sched, cluster.BinScheduler}, {cm, cluster.BinControllerManager},
		{victim, cluster.BinAPIServer}, {victim, cluster.BinEtcd}} {
		if err := e.c.KillComponent(k[0], k[1]); err != nil {
			t.Fatal(err)
		}
	}
	three := int32(3)
	e.poll(ctx, t, "scale rc ha to 3", func() error {
		rc, err := client.ReplicationControllers(e.cl, ns).Get(ctx, "ha", metav1.GetOptions{})
		if err != nil {
			return err
		}
		rc.Spec.Replicas = &three
		_, err = client.ReplicationControllers(e.cl, ns).Update(ctx, rc, metav1.UpdateOptions{})
		return err
	})
	for _, p := range e.waitLive(ctx, t, ns, "app=ha", 3) {
		e.waitHTTP(ctx, t, p.Spec.NodeName, "http://"+net.JoinHostPort(p.Status.PodIP, "8080")+"/", hello)
	}
	if now := e.leader(ctx, t, "kube-scheduler"); now == sched {
		t.Errorf("scheduler Lease still held by killed member %s", now)
	}
}

// leader is the member holding Lease kube-system/name (the harness runs
// each member's controllers with the member name as hostname).
func (e *env) leader(ctx context.Context, t *testing.T, name string) string {
	t.Helper()
	var holder string
	e.poll(ctx, t, "leader of "+name, func() (err error) {
		holder, err = cluster.LeaderOf(ctx, e.cl, name)
		return err
	})
	return holder
}

// waitNodesReady waits until every node's kubelet registered a Ready Node.
func (e *env) waitNodesReady(t *testing.T) {
	t.Helper()
	e.require(t, cluster.BinKubelet)
	ctx := timeout(t, 2*time.Minute)
	for _, n := range e.c.Nodes() {
		e.poll(ctx, t, "Node "+n+" Ready", func() error {
			node, err := client.Nodes(e.cl).Get(ctx, n, metav1.GetOptions{})
			if err != nil {
				return err
			}
			for _, c := range node.Status.Conditions {
				if c.Type == "Ready" && c.Status == "True" {
					return nil
				}
			}
			return fmt.Errorf("not Ready: %v", node.Status.Conditions)
		})
	}
}
