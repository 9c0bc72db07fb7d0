package deployment

import (
	"context"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/worker"
	"log/slog"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/wharfhq/wharf/controller-manager/internal/events"
	"github.com/wharfhq/wharf/proto/informer"
	"github.com/wharfhq/wharf/proto/workqueue"
)

// Config wires the controller.
type Config struct {
	Deployments *informer.Informer[*appsv1.Deployment]
	ReplicaSets *informer.Informer[*appsv1.ReplicaSet]
	RSControl   ReplicaSetControl
	DControl    DeploymentControl
	Recorder    events.Recorder
	Logger      *slog.Logger
	Now         func() time.Time
}

// Controller reconciles Deployments.
type Controller struct {
	cfg   Config
	queue *workqueue.Queue[string]
}

// New builds the controller and registers its event handlers.
func New(cfg Config) *Controller {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Controller{cfg: cfg, queue: workqueue.New(workqueue.Config[string]{Name: "deployment"})}
	enqueue := func(d *appsv1.Deployment) { c.queue.Add(informer.KeyOf(d)) }
	cfg.Deployments.AddHandler(informer.Handler[*appsv1.Deployment]{
		OnAdd:    func(d *appsv1.Deployment, _ bool) { enqueue(d) },
		OnUpdate: func(_, d *appsv1.Deployment) { enqueue(d) },
		OnDelete: enqueue,
	})
	cfg.ReplicaSets.AddHandler(informer.Handler[*appsv1.ReplicaSet]{
		OnAdd: func(rs *appsv1.ReplicaSet, _ bool) { c.rsChanged(rs) },
		OnUpdate: func(old, cur *appsv1.ReplicaSet) {
			if ref := metav1.GetControllerOf(old); ref != nil && !sameRef(ref, metav1.GetControllerOf(cur)) {
				c.rsChanged(old)
			}
			c.rsChanged(cur)
		},
		OnDelete: c.rsChanged,
	})
	return c
}

func sameRef(a, b *metav1.OwnerReference) bool { return b != nil && a.UID == b.UID }

// rsChanged queues the ReplicaSet's Deployment, or for an orphan every
// Deployment whose selector matches it (it may be adopted).
func (c *Controller) rsChanged(rs *appsv1.ReplicaSet) {
	if ref := metav1.GetControllerOf(rs); ref != nil {
		if ref.Kind == "Deployment" {
			c.queue.Add(rs.Namespace + "/" + ref.Name)
		}
		return
	}
	for _, d := range c.cfg.Deployments.Lister().ByNamespace(rs.Namespace) {
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		if err == nil && !sel.Empty() && sel.Matches(labels.Set(rs.Labels)) {
			c.queue.Add(informer.KeyOf(d))
		}
	}
}

// Run processes the queue with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !informer.WaitForCacheSync(ctx, c.cfg.Deployments.HasSynced, c.cfg.ReplicaSets.HasSynced) {
		return
	}
	worker.Process(ctx, c.queue, workers, c.cfg.Logger, c.sync)
}
