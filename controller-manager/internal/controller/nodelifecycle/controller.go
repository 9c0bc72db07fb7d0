package nodelifecycle

import (
	"context"
	"log/slog"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/controller-manager/internal/controller/worker"
	"github.com/wharfhq/wharf/controller-manager/internal/events"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
	"github.com/wharfhq/wharf/proto/workqueue"
)

// LeaseNamespace holds the kubelets' heartbeat Leases.
const LeaseNamespace = corev1.NamespaceNodeLease

// Writer is the controller's I/O.
type Writer interface {
	UpdateNodeStatus(ctx context.Context, n *corev1.Node) (*corev1.Node, error)
	UpdateNode(ctx context.Context, n *corev1.Node) (*corev1.Node, error)
	DeletePod(ctx context.Context, p *corev1.Pod) error
}

// APIWriter writes through the apiserver.
type APIWriter struct{ Client *client.Client }

// UpdateNodeStatus writes n's status.
func (w APIWriter) UpdateNodeStatus(ctx context.Context, n *corev1.Node) (*corev1.Node, error) {
	return client.Nodes(w.Client).UpdateStatus(ctx, n, metav1.UpdateOptions{})
}

// UpdateNode writes n (its taints).
func (w APIWriter) UpdateNode(ctx context.Context, n *corev1.Node) (*corev1.Node, error) {
	return client.Nodes(w.Client).Update(ctx, n, metav1.UpdateOptions{})
}

// DeletePod deletes p (gracefully) if it still has its uid.
func (w APIWriter) DeletePod(ctx context.Context, p *corev1.Pod) error {
	uid := p.UID
	return client.Pods(w.Client, p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
}

// Config wires the controller.
type Config struct {
	Nodes    *informer.Informer[*corev1.Node]
	Leases   *informer.Informer[*coordinationv1.Lease]
	Pods     *informer.Informer[*corev1.Pod]
	Writer   Writer
	Recorder events.Recorder
	Logger   *slog.Logger
	Now      func() time.Time
	// GracePeriod is --node-monitor-grace-period (default 40s).
	GracePeriod time.Duration
	// MonitorPeriod is how often every node is checked (default
	// min(5s, GracePeriod/8)).
	MonitorPeriod time.Duration
	// DefaultTolerationSeconds applies to pods without a toleration for
	// the not-ready/unreachable taints (default 300).
	DefaultTolerationSeconds int64
}

// Controller watches node heartbeats, taints silent or NotReady nodes and
// evicts pods whose tolerations ran out.
type Controller struct {
	cfg   Config
	queue *workqueue.Queue[string]
	beats *heartbeats
}

// New builds the controller and registers its event handlers.
func New(cfg Config) *Controller {
	if cfg.GracePeriod <= 0 {
		cfg.GracePeriod = 40 * time.Second
	}
	if cfg.MonitorPeriod <= 0 {
		cfg.MonitorPeriod = min(5*time.Second, max(cfg.GracePeriod/8, 50*time.Millisecond))
	}
	if cfg.DefaultTolerationSeconds == 0 {
		cfg.DefaultTolerationSeconds = DefaultTolerationSeconds
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Controller{cfg: cfg, queue: workqueue.New(workqueue.Config[string]{Name: "nodelifecycle"}), beats: newHeartbeats()}
	cfg.Nodes.AddHandler(informer.Handler[*corev1.Node]{
		OnAdd:    func(n *corev1.Node, _ bool) { c.queue.Add(n.Name) },
		OnUpdate: func(_, n *corev1.Node) { c.queue.Add(n.Name) },
		OnDelete: func(n *corev1.Node) { c.queue.Add(n.Name) },
	})
	cfg.Leases.AddHandler(informer.Handler[*coordinationv1.Lease]{
		OnUpdate: func(_, l *coordinationv1.Lease) {
			if l.Namespace == LeaseNamespace {
				c.queue.Add(l.Name)
			}
		},
	})
	cfg.Pods.AddHandler(informer.Handler[*corev1.Pod]{
		OnAdd:    func(p *corev1.Pod, _ bool) { c.podChanged(p) },
		OnUpdate: func(_, p *corev1.Pod) { c.podChanged(p) },
	})
	return c
}

// podChanged queues the node of a pod that lands on a NoExecute-tainted
// node (its toleration may not cover the taint).
func (c *Controller) podChanged(p *corev1.Pod) {
	if p.Spec.NodeName == "" || p.DeletionTimestamp != nil {
		return
	}
	if n, ok := c.cfg.Nodes.Lister().Get("", p.Spec.NodeName); ok {
		for _, t := range n.Spec.Taints {
			if t.Effect == corev1.TaintEffectNoExecute {
				c.queue.Add(n.Name)
				return
			}
		}
	}
}

// Run checks every node each MonitorPeriod and processes the queue with
// workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !informer.WaitForCacheSync(ctx, c.cfg.Nodes.HasSynced, c.cfg.Leases.HasSynced, c.cfg.Pods.HasSynced) {
		return
	}
	worker.ProcessWithResync(ctx, c.queue, workers, c.cfg.Logger, c.sync, c.cfg.MonitorPeriod, c.cfg.Nodes.Lister().Keys)
}
