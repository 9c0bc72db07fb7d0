// Package nodeipam is the node IPAM controller (upstream's range
// allocator): it gives every node a spec.podCIDR/podCIDRs of
// NodeCIDRMaskSize bits out of the cluster CIDR, never the same one twice.
//
//	node events ──► Occupy its podCIDR (in memory), queue(node name)
//	workers start once the cache has synced, so every existing CIDR is known
//	sync(node):
//	    node gone              → Release its subnet
//	    node has podCIDR       → Occupy (idempotent)
//	    node without podCIDR   → Allocate, patch spec.podCIDR(s)
//
// The Allocator lives in memory and is rebuilt from the nodes at start;
// a mutex guards it because workers run in parallel.
package nodeipam

import (
	"context"
	"fmt"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/worker"
	"log/slog"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/wharfhq/wharf/controller-manager/internal/events"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
	"github.com/wharfhq/wharf/proto/workqueue"
)

// Defaults as upstream's and Wharf's networking defaults.
const (
	DefaultClusterCIDR = "10.244.0.0/16"
	DefaultMaskSize    = 24
)

// Patcher writes a node's pod CIDR.
type Patcher interface {
	SetPodCIDR(ctx context.Context, node, cidr string) error
}

// APIPatcher patches nodes through the apiserver.
type APIPatcher struct{ Client *client.Client }

// SetPodCIDR sets spec.podCIDR and spec.podCIDRs with a merge patch.
func (p APIPatcher) SetPodCIDR(ctx context.Context, node, cidr string) error {
	patch := fmt.Sprintf(`{"spec":{"podCIDR":%q,"podCIDRs":[%q]}}`, cidr, cidr)
	_, err := client.Nodes(p.Client).Patch(ctx, node, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	return err
}

// Config wires the controller.
type Config struct {
	Nodes       *informer.Informer[*corev1.Node]
	Patcher     Patcher
	Recorder    events.Recorder
	Logger      *slog.Logger
	ClusterCIDR string // default DefaultClusterCIDR
	MaskSize    int    // default DefaultMaskSize
}

// Controller assigns pod CIDRs to nodes.
type Controller struct {
	cfg   Config
	queue *workqueue.Queue[string]
	mu    sync.Mutex
	alloc *Allocator
}

// New validates the CIDR settings, builds the controller and registers
// its event handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.ClusterCIDR == "" {
		cfg.ClusterCIDR = DefaultClusterCIDR
	}
	if cfg.MaskSize == 0 {
		cfg.MaskSize = DefaultMaskSize
	}
	alloc, err := NewAllocator(cfg.ClusterCIDR, cfg.MaskSize)
	if err != nil {
		return nil, err
	}
	c := &Controller{cfg: cfg, alloc: alloc, queue: workqueue.New(workqueue.Config[string]{Name: "nodeipam"})}
	cfg.Nodes.AddHandler(informer.Handler[*corev1.Node]{
		OnAdd:    func(n *corev1.Node, _ bool) { c.observe(n) },
		OnUpdate: func(_, n *corev1.Node) { c.observe(n) },
		OnDelete: func(n *corev1.Node) { c.queue.Add(n.Name) },
	})
	return c, nil
}

// observe records a node's CIDR as taken right away (in-memory only), so
// a parallel worker can never hand it to another node, then queues it.
func (c *Controller) observe(n *corev1.Node) {
	if n.Spec.PodCIDR != "" {
		c.mu.Lock()
		if err := c.alloc.Occupy(n.Name, n.Spec.PodCIDR); err != nil {
			c.cfg.Logger.Warn("node has an unusable pod CIDR", "node", n.Name, "err", err)
		}
		c.mu.Unlock()
	}
	c.queue.Add(n.Name)
}

// Run waits until the node cache (and so the allocator, see observe)
// holds every existing node, then processes the queue with workers
// goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !informer.WaitForCacheSync(ctx, c.cfg.Nodes.HasSynced) {
		return
	}
	worker.Process(ctx, c.queue, workers, c.cfg.Logger, c.sync)
}

// sync releases, records or assigns the node's pod CIDR.
func (c *Controller) sync(ctx context.Context, name string) error {
	node, ok := c.cfg.Nodes.Lister().Get("", name)
	c.mu.Lock()
	if !ok {
		c.alloc.Release(name)
		c.mu.Unlock()
		return nil
	}
	if node.Spec.PodCIDR != "" {
		err := c.alloc.Occupy(name, node.Spec.PodCIDR)
		c.mu.Unlock()
		if err != nil {
			c.cfg.Logger.Warn("node has an unusable pod CIDR", "node", name, "err", err)
		}
		return nil // nothing we can fix: podCIDR is immutable once set
	}
	cidr, err := c.alloc.Allocate(name)
	c.mu.Unlock()
	if err != nil {
		c.cfg.Recorder.Event(node, corev1.EventTypeNormal, "CIDRNotAvailable", "Node %s status is now: CIDRNotAvailable", name)
		return fmt.Errorf("allocating a pod CIDR for node %s: %w", name, err)
	}
	if err := c.cfg.Patcher.SetPodCIDR(ctx, name, cidr); err != nil {
		c.cfg.Recorder.Event(node, corev1.EventTypeWarning, "CIDRAssignmentFailed", "Failed to assign CIDR %s: %v", cidr, err)
		return fmt.Errorf("setting pod CIDR %s on node %s: %w", cidr, name, err)
	}
	c.cfg.Logger.Info("assigned pod CIDR", "node", name, "cidr", cidr)
	return nil
}
