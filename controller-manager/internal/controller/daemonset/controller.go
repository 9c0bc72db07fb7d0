package daemonset

import (
	"context"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/expectations"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/worker"
	"log/slog"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/controller-manager/internal/events"
	"github.com/wharfhq/wharf/proto/informer"
	"github.com/wharfhq/wharf/proto/workqueue"
)

// Config wires the controller.
type Config struct {
	DaemonSets *informer.Informer[*appsv1.DaemonSet]
	Nodes      *informer.Informer[*corev1.Node]
	Pods       *informer.Informer[*corev1.Pod]
	PodCtl     PodControl
	Status     StatusWriter
	// Revisions and RevCtl keep the ControllerRevision history; both nil
	// disables it.
	Revisions *informer.Informer[*appsv1.ControllerRevision]
	RevCtl    RevisionControl
	Recorder  events.Recorder
	Logger    *slog.Logger
	Now       func() time.Time
}

// Controller reconciles DaemonSets.
type Controller struct {
	cfg   Config
	queue *workqueue.Queue[string]
	exp   *expectations.Expectations
}

// New builds the controller and registers its event handlers.
func New(cfg Config) *Controller {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Controller{cfg: cfg, queue: workqueue.New(workqueue.Config[string]{Name: "daemonset"}), exp: expectations.New(cfg.Now)}
	cfg.DaemonSets.AddHandler(informer.Handler[*appsv1.DaemonSet]{
		OnAdd:    func(ds *appsv1.DaemonSet, _ bool) { c.queue.Add(informer.KeyOf(ds)) },
		OnUpdate: func(_, ds *appsv1.DaemonSet) { c.queue.Add(informer.KeyOf(ds)) },
		OnDelete: func(ds *appsv1.DaemonSet) { c.exp.Forget(informer.KeyOf(ds)); c.queue.Add(informer.KeyOf(ds)) },
	})
	cfg.Nodes.AddHandler(informer.Handler[*corev1.Node]{
		OnAdd: func(*corev1.Node, bool) { c.enqueueAll() },
		OnUpdate: func(old, cur *corev1.Node) {
			if old.ResourceVersion != cur.ResourceVersion {
				c.enqueueAll()
			}
		},
		OnDelete: func(*corev1.Node) { c.enqueueAll() },
	})
	cfg.Pods.AddHandler(informer.Handler[*corev1.Pod]{
		OnAdd: func(p *corev1.Pod, _ bool) { c.podEvent(p, 1, 0) },
		OnUpdate: func(old, cur *corev1.Pod) {
			switch {
			case old.ResourceVersion == cur.ResourceVersion:
			case cur.DeletionTimestamp != nil && old.DeletionTimestamp == nil:
				c.podEvent(cur, 0, 1)
			default:
				c.podEvent(cur, 0, 0)
			}
		},
		OnDelete: func(p *corev1.Pod) { c.podEvent(p, 0, 1) },
	})
	return c
}

func (c *Controller) enqueueAll() {
	for _, key := range c.cfg.DaemonSets.Lister().Keys() {
		c.queue.Add(key)
	}
}

// podEvent records an observed create or delete and queues the pod's
// DaemonSet.
func (c *Controller) podEvent(p *corev1.Pod, added, deleted int) {
	ref := metav1.GetControllerOf(p)
	if ref == nil || ref.Kind != "DaemonSet" {
		return
	}
	ds, ok := c.cfg.DaemonSets.Lister().Get(p.Namespace, ref.Name)
	if !ok || ds.UID != ref.UID {
		return
	}
	if added > 0 && p.DeletionTimestamp != nil {
		added, deleted = 0, 1
	}
	key := informer.KeyOf(ds)
	if added > 0 {
		c.exp.Created(key, added)
	}
	if deleted > 0 {
		c.exp.Deleted(key, informer.KeyOf(p))
	}
	c.queue.Add(key)
}

// Run processes the queue with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	synced := []func() bool{c.cfg.DaemonSets.HasSynced, c.cfg.Nodes.HasSynced, c.cfg.Pods.HasSynced}
	if c.cfg.Revisions != nil {
		synced = append(synced, c.cfg.Revisions.HasSynced)
	}
	if !informer.WaitForCacheSync(ctx, synced...) {
		return
	}
	worker.Process(ctx, c.queue, workers, c.cfg.Logger, c.sync)
}
