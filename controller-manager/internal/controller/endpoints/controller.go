package endpoints

import (
	"context"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/controller-manager/internal/controller/servicepods"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/worker"
	"github.com/wharfhq/wharf/controller-manager/internal/events"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
	"github.com/wharfhq/wharf/proto/workqueue"
)

// Writer is the controller's I/O on Endpoints objects.
type Writer interface {
	Create(ctx context.Context, ep *corev1.Endpoints) error
	Update(ctx context.Context, ep *corev1.Endpoints) error
	Delete(ctx context.Context, namespace, name string) error
}

// APIWriter writes Endpoints through the apiserver.
type APIWriter struct{ Client *client.Client }

// Create creates ep.
func (w APIWriter) Create(ctx context.Context, ep *corev1.Endpoints) error {
	_, err := client.Endpoints(w.Client, ep.Namespace).Create(ctx, ep, metav1.CreateOptions{})
	return err
}

// Update replaces ep (optimistically, by its resourceVersion).
func (w APIWriter) Update(ctx context.Context, ep *corev1.Endpoints) error {
	_, err := client.Endpoints(w.Client, ep.Namespace).Update(ctx, ep, metav1.UpdateOptions{})
	return err
}

// Delete deletes the named Endpoints.
func (w APIWriter) Delete(ctx context.Context, namespace, name string) error {
	return client.Endpoints(w.Client, namespace).Delete(ctx, name, metav1.DeleteOptions{})
}

// Config wires the controller.
type Config struct {
	Services  *informer.Informer[*corev1.Service]
	Pods      *informer.Informer[*corev1.Pod]
	Endpoints *informer.Informer[*corev1.Endpoints]
	Writer    Writer
	Recorder  events.Recorder
	Logger    *slog.Logger
}

// Controller maintains Endpoints for selector-bearing Services.
type Controller struct {
	cfg   Config
	queue *workqueue.Queue[string]
}

// New builds the controller and registers its event handlers.
func New(cfg Config) *Controller {
	c := &Controller{cfg: cfg, queue: workqueue.New(workqueue.Config[string]{Name: "endpoints"})}
	servicepods.Watch(cfg.Services, cfg.Pods, c.queue.Add)
	cfg.Endpoints.AddHandler(informer.Handler[*corev1.Endpoints]{
		OnDelete: func(ep *corev1.Endpoints) { c.queue.Add(informer.KeyOf(ep)) },
	})
	return c
}

// Run processes the queue with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !informer.WaitForCacheSync(ctx, c.cfg.Services.HasSynced, c.cfg.Pods.HasSynced, c.cfg.Endpoints.HasSynced) {
		return
	}
	worker.Process(ctx, c.queue, workers, c.cfg.Logger, c.sync)
}
