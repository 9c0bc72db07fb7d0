package job

import (
	"context"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/expectations"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/worker"
	"log/slog"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/controller-manager/internal/events"
	"github.com/wharfhq/wharf/proto/informer"
	"github.com/wharfhq/wharf/proto/workqueue"
)

// Upstream's pod failure backoff.
const (
	DefaultBackoffBase = 10 * time.Second
	DefaultBackoffMax  = 6 * time.Minute
)

// Config wires the controller.
type Config struct {
	Jobs     *informer.Informer[*batchv1.Job]
	Pods     *informer.Informer[*corev1.Pod]
	PodCtl   PodControl
	JobCtl   JobControl
	Recorder events.Recorder
	Logger   *slog.Logger
	Now      func() time.Time
	// BackoffBase and BackoffMax shape the retry delay after pod
	// failures (defaults 10s and 6m).
	BackoffBase, BackoffMax time.Duration
}

// Controller reconciles Jobs.
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
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = DefaultBackoffBase
	}
	if cfg.BackoffMax <= 0 {
		cfg.BackoffMax = DefaultBackoffMax
	}
	c := &Controller{cfg: cfg, queue: workqueue.New(workqueue.Config[string]{Name: "job"}), exp: expectations.New(cfg.Now)}
	cfg.Jobs.AddHandler(informer.Handler[*batchv1.Job]{
		OnAdd:    func(j *batchv1.Job, _ bool) { c.queue.Add(informer.KeyOf(j)) },
		OnUpdate: func(_, j *batchv1.Job) { c.queue.Add(informer.KeyOf(j)) },
		OnDelete: func(j *batchv1.Job) { c.exp.Forget(informer.KeyOf(j)); c.queue.Add(informer.KeyOf(j)) },
	})
	cfg.Pods.AddHandler(informer.Handler[*corev1.Pod]{
		OnAdd: func(p *corev1.Pod, _ bool) { c.podEvent(p, 1, 0) },
		OnUpdate: func(old, cur *corev1.Pod) {
			if old.ResourceVersion == cur.ResourceVersion {
				return
			}
			if cur.DeletionTimestamp != nil && old.DeletionTimestamp == nil {
				c.podEvent(cur, 0, 1)
				return
			}
			c.podEvent(cur, 0, 0)
		},
		OnDelete: func(p *corev1.Pod) { c.podEvent(p, 0, 1) },
	})
	return c
}

// podEvent records an observed create or delete and queues the pod's Job.
func (c *Controller) podEvent(p *corev1.Pod, added, deleted int) {
	ref := metav1.GetControllerOf(p)
	if ref == nil || ref.Kind != "Job" {
		return
	}
	j, ok := c.cfg.Jobs.Lister().Get(p.Namespace, ref.Name)
	if !ok || j.UID != ref.UID {
		return
	}
	key := informer.KeyOf(j)
	if added > 0 && p.DeletionTimestamp != nil {
		added, deleted = 0, 1
	}
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
	if !informer.WaitForCacheSync(ctx, c.cfg.Jobs.HasSynced, c.cfg.Pods.HasSynced) {
		return
	}
	worker.Process(ctx, c.queue, workers, c.cfg.Logger, c.sync)
}
