// Package replication is the controller behind ReplicaSets and
// ReplicationControllers: it keeps spec.replicas pods matching the
// selector, adopting orphans and releasing pods that stopped matching.
//
//	pod/owner events ──► queue(key) ──► sync(key)
//	                                     read:    owner + pods (listers)
//	                                     compute: claim, diff, status
//	                                     write:   create/delete pods, status
//
// Expectations make sure a sync never acts on a cache that has not yet
// seen the controller's own creates and deletes.
package replication

import (
	"context"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/expectations"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/worker"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/wharfhq/wharf/controller-manager/internal/events"
	"github.com/wharfhq/wharf/proto/api"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
	"github.com/wharfhq/wharf/proto/workqueue"
)

// Config wires a controller for one Kind.
type Config[T api.Object] struct {
	Kind     Kind[T]
	Owners   *informer.Informer[T]
	Pods     *informer.Informer[*corev1.Pod]
	Client   *client.Client
	PodCtl   PodControl
	Recorder events.Recorder
	Logger   *slog.Logger
	Now      func() time.Time
	// BurstReplicas caps the pods created or deleted by one sync (500).
	BurstReplicas int
}

// Controller reconciles one Kind of replicated workload.
type Controller[T api.Object] struct {
	cfg   Config[T]
	queue *workqueue.Queue[string]
	exp   *expectations.Expectations
}

// New builds the controller and registers its event handlers.
func New[T api.Object](cfg Config[T]) *Controller[T] {
	if cfg.BurstReplicas <= 0 {
		cfg.BurstReplicas = 500
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Controller[T]{
		cfg:   cfg,
		queue: workqueue.New(workqueue.Config[string]{Name: cfg.Kind.GVK.Kind}),
		exp:   expectations.New(cfg.Now),
	}
	cfg.Owners.AddHandler(informer.Handler[T]{
		OnAdd:    func(o T, _ bool) { c.queue.Add(informer.KeyOf(o)) },
		OnUpdate: func(_, o T) { c.queue.Add(informer.KeyOf(o)) },
		OnDelete: func(o T) { c.exp.Forget(informer.KeyOf(o)); c.queue.Add(informer.KeyOf(o)) },
	})
	cfg.Pods.AddHandler(informer.Handler[*corev1.Pod]{
		OnAdd:    func(p *corev1.Pod, _ bool) { c.podAdded(p) },
		OnUpdate: c.podUpdated,
		OnDelete: c.podDeleted,
	})
	return c
}

// Run processes the queue with workers goroutines until ctx ends.
func (c *Controller[T]) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !informer.WaitForCacheSync(ctx, c.cfg.Owners.HasSynced, c.cfg.Pods.HasSynced) {
		return
	}
	worker.Process(ctx, c.queue, workers, c.cfg.Logger, c.sync)
}

// controllerOf returns the key of pod's controller if it is of our kind
// and still in the cache with the same UID.
func (c *Controller[T]) controllerOf(p *corev1.Pod) (string, bool) {
	ref := metav1.GetControllerOf(p)
	if ref == nil || ref.Kind != c.cfg.Kind.GVK.Kind || ref.APIVersion != c.cfg.Kind.GVK.GroupVersion().String() {
		return "", false
	}
	owner, ok := c.cfg.Owners.Lister().Get(p.Namespace, ref.Name)
	if !ok || owner.GetUID() != ref.UID {
		return "", false
	}
	return informer.KeyOf(owner), true
}

// enqueueMatching queues every owner whose selector matches an orphan pod.
func (c *Controller[T]) enqueueMatching(p *corev1.Pod) {
	for _, o := range c.cfg.Owners.Lister().ByNamespace(p.Namespace) {
		if sel, err := c.cfg.Kind.Selector(o); err == nil && sel.Matches(labels.Set(p.Labels)) {
			c.queue.Add(informer.KeyOf(o))
		}
	}
}

func (c *Controller[T]) podAdded(p *corev1.Pod) {
	if p.DeletionTimestamp != nil {
		c.podDeleted(p)
		return
	}
	if key, ok := c.controllerOf(p); ok {
		c.exp.Created(key, 1)
		c.queue.Add(key)
		return
	}
	if metav1.GetControllerOf(p) == nil {
		c.enqueueMatching(p)
	}
}

func (c *Controller[T]) podUpdated(old, cur *corev1.Pod) {
	if old.ResourceVersion == cur.ResourceVersion {
		return // resync: owners resync themselves
	}
	if cur.DeletionTimestamp != nil && old.DeletionTimestamp == nil {
		c.podDeleted(cur)
		return
	}
	oldKey, oldOK := c.controllerOf(old)
	curKey, curOK := c.controllerOf(cur)
	if oldOK && (!curOK || oldKey != curKey) {
		c.queue.Add(oldKey)
	}
	if curOK {
		c.queue.Add(curKey)
		if isReady(old) != isReady(cur) {
			c.requeueAfterMinReady(cur, curKey)
		}
		return
	}
	if metav1.GetControllerOf(cur) == nil {
		c.enqueueMatching(cur)
	}
}

// requeueAfterMinReady checks availability again once minReadySeconds pass.
func (c *Controller[T]) requeueAfterMinReady(p *corev1.Pod, key string) {
	ns, name := informer.SplitKey(key)
	if owner, ok := c.cfg.Owners.Lister().Get(ns, name); ok {
		if mrs := c.cfg.Kind.MinReadySeconds(owner); mrs > 0 {
			c.queue.AddAfter(key, time.Duration(mrs)*time.Second+time.Second)
		}
	}
}

func (c *Controller[T]) podDeleted(p *corev1.Pod) {
	if key, ok := c.controllerOf(p); ok {
		c.exp.Deleted(key, informer.KeyOf(p))
		c.queue.Add(key)
	}
}
