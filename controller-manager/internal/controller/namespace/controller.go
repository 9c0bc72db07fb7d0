package namespace

import (
	"context"
	"fmt"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/worker"
	"log/slog"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/api"
	"github.com/wharfhq/wharf/proto/informer"
	"github.com/wharfhq/wharf/proto/workqueue"
)

// FinalizerKubernetes is the spec.finalizers entry this controller owns.
const FinalizerKubernetes = corev1.FinalizerKubernetes

// Config wires the controller.
type Config struct {
	Namespaces *informer.Informer[*corev1.Namespace]
	Content    Content
	Logger     *slog.Logger
	Now        func() time.Time
	// RetryInterval is how long to wait before looking again at a
	// namespace whose content is still going (default 1s).
	RetryInterval time.Duration
}

// Controller deletes the content of terminating namespaces.
type Controller struct {
	cfg   Config
	queue *workqueue.Queue[string]
}

// New builds the controller and registers its event handlers.
func New(cfg Config) *Controller {
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Controller{cfg: cfg, queue: workqueue.New(workqueue.Config[string]{Name: "namespace"})}
	enqueue := func(ns *corev1.Namespace) {
		if ns.DeletionTimestamp != nil {
			c.queue.Add(ns.Name)
		}
	}
	cfg.Namespaces.AddHandler(informer.Handler[*corev1.Namespace]{
		OnAdd:    func(ns *corev1.Namespace, _ bool) { enqueue(ns) },
		OnUpdate: func(_, ns *corev1.Namespace) { enqueue(ns) },
	})
	return c
}

// Run processes the queue with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !informer.WaitForCacheSync(ctx, c.cfg.Namespaces.HasSynced) {
		return
	}
	worker.Process(ctx, c.queue, workers, c.cfg.Logger, c.sync)
}

// sync empties a terminating namespace and, once it is empty, removes
// the kubernetes finalizer.
func (c *Controller) sync(ctx context.Context, name string) error {
	cached, ok := c.cfg.Namespaces.Lister().Get("", name)
	if !ok || cached.DeletionTimestamp == nil || !slices.Contains(cached.Spec.Finalizers, FinalizerKubernetes) {
		return nil
	}
	out := c.deleteContent(ctx, name)
	ns, err := c.cfg.Content.Get(ctx, name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading namespace %s: %w", name, err)
	}
	if SetConditions(ns, Conditions(out, metav1.NewTime(c.cfg.Now()))) {
		if err := c.cfg.Content.UpdateStatus(ctx, ns); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("updating status of namespace %s: %w", name, err)
		}
		if ns, err = c.cfg.Content.Get(ctx, name); err != nil {
			return fmt.Errorf("reading namespace %s: %w", name, err)
		}
	}
	if !out.Done() {
		c.cfg.Logger.Debug("namespace content remains", "namespace", name, "remaining", out.Remaining, "errors", len(out.DeleteErrors))
		c.queue.AddAfter(name, c.cfg.RetryInterval)
		return nil
	}
	ns.Spec.Finalizers = slices.DeleteFunc(ns.Spec.Finalizers, func(f corev1.FinalizerName) bool { return f == FinalizerKubernetes })
	if err := c.cfg.Content.Finalize(ctx, ns); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("finalizing namespace %s: %w", name, err)
	}
	c.cfg.Logger.Info("namespace emptied and finalized", "namespace", name)
	return nil
}

// deleteContent deletes every namespaced resource in ns and reports what
// is left.
func (c *Controller) deleteContent(ctx context.Context, ns string) Outcome {
	out := Outcome{Remaining: map[string]int{}, Finalizers: map[string]int{}}
	for _, info := range api.All() {
		if !info.Namespaced {
			continue
		}
		if err := c.cfg.Content.DeleteAll(ctx, info, ns); err != nil && !apierrors.IsNotFound(err) {
			out.DeleteErrors = append(out.DeleteErrors, fmt.Errorf("%s: %w", info.Resource, err))
			continue
		}
		left, err := c.cfg.Content.Remaining(ctx, info, ns)
		if err != nil {
			out.DeleteErrors = append(out.DeleteErrors, fmt.Errorf("listing %s: %w", info.Resource, err))
			continue
		}
		if len(left) > 0 {
			out.Remaining[info.GroupVersion().WithResource(info.Resource).GroupResource().String()] += len(left)
		}
		for _, o := range left {
			for _, f := range o.GetFinalizers() {
				out.Finalizers[f]++
			}
		}
	}
	if len(out.Remaining) == 0 {
		out.Remaining = nil
	}
	if len(out.Finalizers) == 0 {
		out.Finalizers = nil
	}
	return out
}
