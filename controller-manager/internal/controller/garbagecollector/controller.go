package garbagecollector

import (
	"context"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/worker"
	"log/slog"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/wharfhq/wharf/proto/api"
	"github.com/wharfhq/wharf/proto/informer"
	"github.com/wharfhq/wharf/proto/workqueue"
)

// Config wires the collector.
type Config struct {
	Source Source
	Client Client
	Logger *slog.Logger
	Resync time.Duration
}

// Controller is the garbage collector.
type Controller struct {
	cfg    Config
	graph  *graph
	queue  *workqueue.Queue[Item]
	absent *absentCache
}

// New builds the collector and its informers (started by Run).
func New(cfg Config) *Controller {
	c := &Controller{cfg: cfg, queue: workqueue.New(workqueue.Config[Item]{Name: "garbagecollector"}), absent: newAbsentCache(10000)}
	c.graph = newGraph(cfg.Source, cfg.Resync, cfg.Logger)
	for _, ch := range c.graph.byResource {
		info := ch.info
		ch.inf.AddHandler(informer.Handler[*unstructured.Unstructured]{
			OnAdd:    func(o *unstructured.Unstructured, _ bool) { c.changed(info, o) },
			OnUpdate: func(old, o *unstructured.Unstructured) { c.updated(info, old, o) },
			OnDelete: func(o *unstructured.Unstructured) { c.deleted(info, o) },
		})
	}
	return c
}

// changed queues an object that may need collecting or that is being
// deleted with a policy finalizer.
func (c *Controller) changed(info *api.Info, o *unstructured.Unstructured) {
	if len(o.GetOwnerReferences()) > 0 || o.GetDeletionTimestamp() != nil && (HasFinalizer(o, FinalizerOrphan) || HasFinalizer(o, FinalizerForeground)) {
		c.queue.Add(itemOf(info, o))
	}
}

// updated also queues the owners o stopped referring to: a foreground
// deletion may have been waiting for o.
func (c *Controller) updated(info *api.Info, old, o *unstructured.Unstructured) {
	c.changed(info, o)
	cur := map[string]bool{}
	for _, ref := range o.GetOwnerReferences() {
		cur[string(ref.UID)] = true
	}
	for _, ref := range old.GetOwnerReferences() {
		if !cur[string(ref.UID)] {
			c.queueOwner(o, ref)
		}
	}
}

// deleted queues o's dependents (their owner went) and o's owners (a
// foreground deletion may be waiting for o).
func (c *Controller) deleted(info *api.Info, o *unstructured.Unstructured) {
	for _, d := range c.graph.dependents(o.GetUID()) {
		c.queue.Add(d.item)
	}
	for _, ref := range o.GetOwnerReferences() {
		c.queueOwner(o, ref)
	}
}

func (c *Controller) queueOwner(dep metav1.Object, ref metav1.OwnerReference) {
	if oc, ok := c.graph.byKind[ref.APIVersion+"/"+ref.Kind]; ok {
		ns := ""
		if oc.info.Namespaced {
			ns = dep.GetNamespace()
		}
		c.queue.Add(Item{Resource: oc.info.Resource, Namespace: ns, Name: ref.Name})
	}
}

// Run starts the informers and processes the queue until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	for _, ch := range c.graph.byResource {
		go ch.inf.Run(ctx)
	}
	if !informer.WaitForCacheSync(ctx, c.graph.synced()...) {
		return
	}
	c.cfg.Logger.Info("garbage collector caches synced", "resources", len(c.graph.byResource))
	worker.Process(ctx, c.queue, workers, c.cfg.Logger, c.sync)
}

// uidPrecondition guards a write against a recreated object.
func uidPrecondition(o metav1.Object) *metav1.Preconditions {
	uid := o.GetUID()
	return &metav1.Preconditions{UID: &uid}
}
