package endpointslice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/wharfhq/wharf/controller-manager/internal/controller/servicepods"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/worker"
	"github.com/wharfhq/wharf/controller-manager/internal/events"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
	"github.com/wharfhq/wharf/proto/workqueue"
)

// Writer is the controller's I/O on EndpointSlices.
type Writer interface {
	// Create returns the created slice (its generated name).
	Create(ctx context.Context, s *discoveryv1.EndpointSlice) (*discoveryv1.EndpointSlice, error)
	Update(ctx context.Context, s *discoveryv1.EndpointSlice) error
	Delete(ctx context.Context, s *discoveryv1.EndpointSlice) error
}

// APIWriter writes slices through the apiserver.
type APIWriter struct{ Client *client.Client }

// Create creates s.
func (w APIWriter) Create(ctx context.Context, s *discoveryv1.EndpointSlice) (*discoveryv1.EndpointSlice, error) {
	return client.EndpointSlices(w.Client, s.Namespace).Create(ctx, s, metav1.CreateOptions{})
}

// Update replaces s by its resourceVersion.
func (w APIWriter) Update(ctx context.Context, s *discoveryv1.EndpointSlice) error {
	_, err := client.EndpointSlices(w.Client, s.Namespace).Update(ctx, s, metav1.UpdateOptions{})
	return err
}

// Delete deletes s if it still has its uid.
func (w APIWriter) Delete(ctx context.Context, s *discoveryv1.EndpointSlice) error {
	uid := s.UID
	return client.EndpointSlices(w.Client, s.Namespace).Delete(ctx, s.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
}

// Config wires the controller.
type Config struct {
	Services *informer.Informer[*corev1.Service]
	Pods     *informer.Informer[*corev1.Pod]
	Slices   *informer.Informer[*discoveryv1.EndpointSlice]
	Writer   Writer
	Recorder events.Recorder
	Logger   *slog.Logger
	// MaxEndpointsPerSlice defaults to MaxEndpointsPerSlice.
	MaxEndpointsPerSlice int
}

// Controller maintains the EndpointSlices of selector-bearing Services.
type Controller struct {
	cfg   Config
	queue *workqueue.Queue[string]

	// created remembers, per service key, slices this controller created
	// that the cache has not shown yet; syncing before they appear would
	// create them twice.
	mu      sync.Mutex
	created map[string][]pendingSlice
}

// pendingSlice is a created slice not yet seen in the cache; after
// pendingTimeout it is forgotten (it may have been deleted meanwhile).
type pendingSlice struct {
	name string
	at   time.Time
}

const pendingTimeout = 30 * time.Second

// New builds the controller and registers its event handlers.
func New(cfg Config) *Controller {
	if cfg.MaxEndpointsPerSlice <= 0 {
		cfg.MaxEndpointsPerSlice = MaxEndpointsPerSlice
	}
	c := &Controller{cfg: cfg, queue: workqueue.New(workqueue.Config[string]{Name: "endpointslice"}), created: map[string][]pendingSlice{}}
	servicepods.Watch(cfg.Services, cfg.Pods, c.queue.Add)
	onSlice := func(s *discoveryv1.EndpointSlice) {
		if s.Labels[ManagedByLabel] == ControllerName && s.Labels[ServiceNameLabel] != "" {
			c.queue.Add(s.Namespace + "/" + s.Labels[ServiceNameLabel])
		}
	}
	cfg.Slices.AddHandler(informer.Handler[*discoveryv1.EndpointSlice]{
		OnAdd:    func(s *discoveryv1.EndpointSlice, _ bool) { onSlice(s) },
		OnUpdate: func(_, s *discoveryv1.EndpointSlice) { onSlice(s) },
		OnDelete: onSlice,
	})
	return c
}

// Run processes the queue with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !informer.WaitForCacheSync(ctx, c.cfg.Services.HasSynced, c.cfg.Pods.HasSynced, c.cfg.Slices.HasSynced) {
		return
	}
	worker.Process(ctx, c.queue, workers, c.cfg.Logger, c.sync)
}

// sync makes the service's managed slices match its pods. Slices of a
// deleted service are left to the garbage collector (they are owned).
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name := informer.SplitKey(key)
	svc, ok := c.cfg.Services.Lister().Get(ns, name)
	if !ok || len(svc.Spec.Selector) == 0 || svc.DeletionTimestamp != nil {
		return nil
	}
	sel := labels.SelectorFromSet(labels.Set{ServiceNameLabel: name, ManagedByLabel: ControllerName})
	existing := c.cfg.Slices.Lister().ListNamespace(ns, sel)
	if !c.cacheHasCreated(key, existing) {
		c.queue.AddAfter(key, 100*time.Millisecond)
		return nil
	}
	pods := c.cfg.Pods.Lister().ListNamespace(ns, labels.SelectorFromSet(svc.Spec.Selector))
	plan := MakePlan(svc, existing, DesiredSlices(svc, pods, c.cfg.MaxEndpointsPerSlice))
	if plan.Empty() {
		return nil
	}
	var errs []error
	for _, s := range plan.Update {
		if err := c.cfg.Writer.Update(ctx, s); err != nil {
			errs = append(errs, fmt.Errorf("updating slice %s/%s: %w", ns, s.Name, err))
		}
	}
	for _, s := range plan.Create {
		made, err := c.cfg.Writer.Create(ctx, s)
		if err != nil {
			errs = append(errs, fmt.Errorf("creating slice for %s: %w", key, err))
			continue
		}
		c.mu.Lock()
		c.created[key] = append(c.created[key], pendingSlice{name: made.Name, at: time.Now()})
		c.mu.Unlock()
	}
	for _, s := range plan.Delete {
		if err := c.cfg.Writer.Delete(ctx, s); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("deleting slice %s/%s: %w", ns, s.Name, err))
		}
	}
	c.cfg.Logger.Debug("synced endpoint slices", "service", key,
		"created", len(plan.Create), "updated", len(plan.Update), "deleted", len(plan.Delete))
	err := errors.Join(errs...)
	if err != nil && !apierrors.IsConflict(err) {
		c.cfg.Recorder.Event(svc, corev1.EventTypeWarning, "FailedToUpdateEndpointSlices", "Error updating Endpoint Slices for Service %s: %v", key, err)
	}
	return err
}

// cacheHasCreated reports whether every slice created for key is in
// existing, forgetting the ones that are.
func (c *Controller) cacheHasCreated(key string, existing []*discoveryv1.EndpointSlice) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	names := c.created[key]
	if len(names) == 0 {
		return true
	}
	seen := map[string]bool{}
	for _, s := range existing {
		seen[s.Name] = true
	}
	var missing []pendingSlice
	for _, n := range names {
		if !seen[n.name] && time.Since(n.at) < pendingTimeout {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		delete(c.created, key)
		return true
	}
	c.created[key] = missing
	return false
}
