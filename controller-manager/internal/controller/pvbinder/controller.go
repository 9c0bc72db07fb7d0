package pvbinder

import (
	"context"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/worker"
	"log/slog"
	"strings"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"

	"github.com/wharfhq/wharf/controller-manager/internal/events"
	"github.com/wharfhq/wharf/proto/informer"
	"github.com/wharfhq/wharf/proto/workqueue"
)

// Config wires the binder.
type Config struct {
	Volumes *informer.Informer[*corev1.PersistentVolume]
	Claims  *informer.Informer[*corev1.PersistentVolumeClaim]
	// Classes, if set, enables default-class assignment and the hostPath
	// dynamic provisioner for classes naming HostPathProvisioner.
	Classes *informer.Informer[*storagev1.StorageClass]
	// HostPathRoot is where provisioned hostPath volumes live on nodes
	// (default /var/lib/wharf/volumes).
	HostPathRoot string
	Writer       Writer
	Recorder     events.Recorder
	Logger       *slog.Logger
}

// Controller binds claims to volumes.
type Controller struct {
	cfg   Config
	queue *workqueue.Queue[string]
}

const (
	claimPrefix  = "claim:"
	volumePrefix = "volume:"
)

// New builds the binder and registers its event handlers.
func New(cfg Config) *Controller {
	if cfg.HostPathRoot == "" {
		cfg.HostPathRoot = "/var/lib/wharf/volumes"
	}
	c := &Controller{cfg: cfg, queue: workqueue.New(workqueue.Config[string]{Name: "persistentvolume-binder"})}
	claim := func(p *corev1.PersistentVolumeClaim) { c.queue.Add(claimPrefix + informer.KeyOf(p)) }
	cfg.Claims.AddHandler(informer.Handler[*corev1.PersistentVolumeClaim]{
		OnAdd:    func(p *corev1.PersistentVolumeClaim, _ bool) { claim(p) },
		OnUpdate: func(_, p *corev1.PersistentVolumeClaim) { claim(p) },
		OnDelete: func(p *corev1.PersistentVolumeClaim) {
			if p.Spec.VolumeName != "" {
				c.queue.Add(volumePrefix + p.Spec.VolumeName)
			}
		},
	})
	if cfg.Classes != nil {
		pending := func() {
			for _, p := range c.cfg.Claims.Lister().List(nil) {
				if p.Spec.VolumeName == "" {
					claim(p)
				}
			}
		}
		cfg.Classes.AddHandler(informer.Handler[*storagev1.StorageClass]{
			OnAdd:    func(*storagev1.StorageClass, bool) { pending() },
			OnUpdate: func(_, _ *storagev1.StorageClass) { pending() },
		})
	}
	cfg.Volumes.AddHandler(informer.Handler[*corev1.PersistentVolume]{
		OnAdd:    func(pv *corev1.PersistentVolume, _ bool) { c.volumeChanged(pv) },
		OnUpdate: func(_, pv *corev1.PersistentVolume) { c.volumeChanged(pv) },
	})
	return c
}

// volumeChanged queues the volume and, when it is free, the pending
// claims that might want it.
func (c *Controller) volumeChanged(pv *corev1.PersistentVolume) {
	c.queue.Add(volumePrefix + pv.Name)
	if r := pv.Spec.ClaimRef; r != nil {
		c.queue.Add(claimPrefix + r.Namespace + "/" + r.Name)
		return
	}
	for _, p := range c.cfg.Claims.Lister().List(nil) {
		if p.Spec.VolumeName == "" {
			c.queue.Add(claimPrefix + informer.KeyOf(p))
		}
	}
}

// Run processes the queue with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !informer.WaitForCacheSync(ctx, c.cfg.Volumes.HasSynced, c.cfg.Claims.HasSynced) {
		return
	}
	worker.Process(ctx, c.queue, workers, c.cfg.Logger, c.sync)
}

// sync dispatches a queue key to the claim or the volume it names.
func (c *Controller) sync(ctx context.Context, key string) error {
	if k, ok := strings.CutPrefix(key, claimPrefix); ok {
		return c.syncClaim(ctx, k)
	}
	return c.syncVolume(ctx, strings.TrimPrefix(key, volumePrefix))
}
