package main

import (
	"context"
	"log/slog"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
)

// leaseNamespace holds the node leases.
const leaseNamespace = "kube-node-lease"

// view is the benchmark's watch-fed picture of the cluster: what a
// controller (node lifecycle) would see, without polling big lists.
type view struct {
	nodes  *informer.Lister[*corev1.Node]
	pods   *informer.Lister[*corev1.Pod]
	leases *informer.Lister[*coordinationv1.Lease]
	synced []func() bool
}

// startView runs node, pod (namespace ns) and lease informers until ctx
// ends and waits for their first lists.
func startView(ctx context.Context, c *client.Client, ns string) (*view, error) {
	quiet := slog.New(slog.DiscardHandler)
	ni := informer.New(informer.FromResource(client.Nodes(c)), informer.Options[*corev1.Node]{Logger: quiet})
	pi := informer.New(informer.FromResource(client.Pods(c, ns)), informer.Options[*corev1.Pod]{Logger: quiet})
	li := informer.New(informer.FromResource(client.Leases(c, leaseNamespace)), informer.Options[*coordinationv1.Lease]{Logger: quiet})
	go ni.Run(ctx)
	go pi.Run(ctx)
	go li.Run(ctx)
	v := &view{nodes: ni.Lister(), pods: pi.Lister(), leases: li.Lister(), synced: []func() bool{ni.HasSynced, pi.HasSynced, li.HasSynced}}
	if !informer.WaitForCacheSync(ctx, v.synced...) {
		return nil, ctx.Err()
	}
	return v, nil
}

// readyNodes counts nodes whose Ready condition is True.
func (v *view) readyNodes() int {
	n := 0
	for _, node := range v.nodes.List(labels.Everything()) {
		if nodeReady(node) {
			n++
		}
	}
	return n
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// podPhases counts pods that are bound and Running.
func (v *view) podPhases() (bound, running int) {
	for _, p := range v.pods.List(labels.Everything()) {
		if p.Spec.NodeName != "" {
			bound++
		}
		if p.Status.Phase == corev1.PodRunning {
			running++
		}
	}
	return bound, running
}

// leaseAges returns now minus each lease's renewTime, and how many of
// want leases are missing or never renewed.
func (v *view) leaseAges(now time.Time, want int) (ages []time.Duration, missing int) {
	for _, l := range v.leases.List(labels.Everything()) {
		if l.Spec.RenewTime == nil {
			continue
		}
		ages = append(ages, now.Sub(l.Spec.RenewTime.Time))
	}
	return ages, max(0, want-len(ages))
}
