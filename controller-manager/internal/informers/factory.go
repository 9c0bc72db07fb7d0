// Package informers shares one informer per resource among all the
// controllers of the controller-manager, so that N controllers watching
// pods open one watch, not N.
package informers

import (
	"context"
	"log/slog"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	storagev1 "k8s.io/api/storage/v1"

	"github.com/wharfhq/wharf/proto/api"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
)

// Factory creates informers on first use and starts them together.
type Factory struct {
	client *client.Client
	resync time.Duration
	logger *slog.Logger

	mu        sync.Mutex
	informers map[string]any
	runs      []func(context.Context)
	synced    []func() bool
	started   bool
	ctx       context.Context
}

// New returns a factory whose informers resync every resync period.
func New(c *client.Client, resync time.Duration, logger *slog.Logger) *Factory {
	return &Factory{client: c, resync: resync, logger: logger, informers: map[string]any{}}
}

// get returns the shared informer for resource, creating it with newRes.
func get[T api.Object](f *Factory, resource string, newRes func(*client.Client) *client.Resource[T]) *informer.Informer[T] {
	f.mu.Lock()
	defer f.mu.Unlock()
	if inf, ok := f.informers[resource]; ok {
		return inf.(*informer.Informer[T])
	}
	inf := informer.New[T](informer.FromResource(newRes(f.client)), informer.Options[T]{
		ResyncPeriod: f.resync,
		Logger:       f.logger.With("informer", resource),
		PageSize:     500,
	})
	f.informers[resource] = inf
	f.runs = append(f.runs, inf.Run)
	f.synced = append(f.synced, inf.HasSynced)
	if f.started {
		go inf.Run(f.ctx)
	}
	return inf
}

// Start runs every informer created so far, and any created later, until
// ctx ends.
func (f *Factory) Start(ctx context.Context) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started, f.ctx = true, ctx
	for _, run := range f.runs {
		go run(ctx)
	}
}

// WaitForSync blocks until every informer has listed once.
func (f *Factory) WaitForSync(ctx context.Context) bool {
	f.mu.Lock()
	synced := append([]func() bool(nil), f.synced...)
	f.mu.Unlock()
	return informer.WaitForCacheSync(ctx, synced...)
}

// Client is the API client the informers use.
func (f *Factory) Client() *client.Client { return f.client }

// Typed accessors for the resources controllers watch.

func (f *Factory) Pods() *informer.Informer[*corev1.Pod] {
	return get(f, "pods", func(c *client.Client) *client.Resource[*corev1.Pod] { return client.Pods(c, "") })
}

func (f *Factory) Nodes() *informer.Informer[*corev1.Node] {
	return get(f, "nodes", client.Nodes)
}

func (f *Factory) Namespaces() *informer.Informer[*corev1.Namespace] {
	return get(f, "namespaces", client.Namespaces)
}

func (f *Factory) Services() *informer.Informer[*corev1.Service] {
	return get(f, "services", func(c *client.Client) *client.Resource[*corev1.Service] { return client.Services(c, "") })
}

func (f *Factory) Endpoints() *informer.Informer[*corev1.Endpoints] {
	return get(f, "endpoints", func(c *client.Client) *client.Resource[*corev1.Endpoints] { return client.Endpoints(c, "") })
}

func (f *Factory) EndpointSlices() *informer.Informer[*discoveryv1.EndpointSlice] {
	return get(f, "endpointslices", func(c *client.Client) *client.Resource[*discoveryv1.EndpointSlice] {
		return client.EndpointSlices(c, "")
	})
}

func (f *Factory) ServiceAccounts() *informer.Informer[*corev1.ServiceAccount] {
	return get(f, "serviceaccounts", func(c *client.Client) *client.Resource[*corev1.ServiceAccount] {
		return client.ServiceAccounts(c, "")
	})
}

func (f *Factory) ReplicationControllers() *informer.Informer[*corev1.ReplicationController] {
	return get(f, "replicationcontrollers", func(c *client.Client) *client.Resource[*corev1.ReplicationController] {
		return client.ReplicationControllers(c, "")
	})
}

func (f *Factory) ReplicaSets() *informer.Informer[*appsv1.ReplicaSet] {
	return get(f, "replicasets", func(c *client.Client) *client.Resource[*appsv1.ReplicaSet] { return client.ReplicaSets(c, "") })
}

func (f *Factory) Deployments() *informer.Informer[*appsv1.Deployment] {
	return get(f, "deployments", func(c *client.Client) *client.Resource[*appsv1.Deployment] { return client.Deployments(c, "") })
}

func (f *Factory) DaemonSets() *informer.Informer[*appsv1.DaemonSet] {
	return get(f, "daemonsets", func(c *client.Client) *client.Resource[*appsv1.DaemonSet] { return client.DaemonSets(c, "") })
}

func (f *Factory) Jobs() *informer.Informer[*batchv1.Job] {
	return get(f, "jobs", func(c *client.Client) *client.Resource[*batchv1.Job] { return client.Jobs(c, "") })
}

func (f *Factory) CronJobs() *informer.Informer[*batchv1.CronJob] {
	return get(f, "cronjobs", func(c *client.Client) *client.Resource[*batchv1.CronJob] { return client.CronJobs(c, "") })
}

func (f *Factory) Leases() *informer.Informer[*coordinationv1.Lease] {
	return get(f, "leases", func(c *client.Client) *client.Resource[*coordinationv1.Lease] { return client.Leases(c, "") })
}

func (f *Factory) StatefulSets() *informer.Informer[*appsv1.StatefulSet] {
	return get(f, "statefulsets", func(c *client.Client) *client.Resource[*appsv1.StatefulSet] { return client.StatefulSets(c, "") })
}

func (f *Factory) PersistentVolumeClaims() *informer.Informer[*corev1.PersistentVolumeClaim] {
	return get(f, "persistentvolumeclaims", func(c *client.Client) *client.Resource[*corev1.PersistentVolumeClaim] {
		return client.PersistentVolumeClaims(c, "")
	})
}

func (f *Factory) PersistentVolumes() *informer.Informer[*corev1.PersistentVolume] {
	return get(f, "persistentvolumes", client.PersistentVolumes)
}

func (f *Factory) ControllerRevisions() *informer.Informer[*appsv1.ControllerRevision] {
	return get(f, "controllerrevisions", func(c *client.Client) *client.Resource[*appsv1.ControllerRevision] {
		return client.ControllerRevisions(c, "")
	})
}

func (f *Factory) StorageClasses() *informer.Informer[*storagev1.StorageClass] {
	return get(f, "storageclasses", client.StorageClasses)
}
