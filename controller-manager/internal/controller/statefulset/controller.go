package statefulset

import (
	"context"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/worker"
	"log/slog"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/controller-manager/internal/events"
	"github.com/wharfhq/wharf/proto/informer"
	"github.com/wharfhq/wharf/proto/workqueue"
)

// Config wires the controller.
type Config struct {
	StatefulSets *informer.Informer[*appsv1.StatefulSet]
	Pods         *informer.Informer[*corev1.Pod]
	Claims       *informer.Informer[*corev1.PersistentVolumeClaim]
	Control      Control
	Status       StatusWriter
	Recorder     events.Recorder
	Logger       *slog.Logger
}

// Controller reconciles StatefulSets.
type Controller struct {
	cfg   Config
	queue *workqueue.Queue[string]
}

// New builds the controller and registers its event handlers.
func New(cfg Config) *Controller {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Controller{cfg: cfg, queue: workqueue.New(workqueue.Config[string]{Name: "statefulset"})}
	enqueue := func(s *appsv1.StatefulSet) { c.queue.Add(informer.KeyOf(s)) }
	cfg.StatefulSets.AddHandler(informer.Handler[*appsv1.StatefulSet]{
		OnAdd:    func(s *appsv1.StatefulSet, _ bool) { enqueue(s) },
		OnUpdate: func(_, s *appsv1.StatefulSet) { enqueue(s) },
	})
	podChanged := func(p *corev1.Pod) {
		if ref := metav1.GetControllerOf(p); ref != nil && ref.Kind == "StatefulSet" {
			c.queue.Add(p.Namespace + "/" + ref.Name)
		}
	}
	cfg.Pods.AddHandler(informer.Handler[*corev1.Pod]{
		OnAdd:    func(p *corev1.Pod, _ bool) { podChanged(p) },
		OnUpdate: func(_, p *corev1.Pod) { podChanged(p) },
		OnDelete: podChanged,
	})
	return c
}

// Run processes the queue with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !informer.WaitForCacheSync(ctx, c.cfg.StatefulSets.HasSynced, c.cfg.Pods.HasSynced, c.cfg.Claims.HasSynced) {
		return
	}
	worker.Process(ctx, c.queue, workers, c.cfg.Logger, c.sync)
}
