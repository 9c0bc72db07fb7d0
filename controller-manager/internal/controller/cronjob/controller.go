package cronjob

import (
	"context"
	"log/slog"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/controller-manager/internal/events"
	"github.com/wharfhq/wharf/proto/informer"
	"github.com/wharfhq/wharf/proto/workqueue"
)

// Config wires the controller.
type Config struct {
	CronJobs *informer.Informer[*batchv1.CronJob]
	Jobs     *informer.Informer[*batchv1.Job]
	JobCtl   JobControl
	Status   StatusWriter
	Recorder events.Recorder
	Logger   *slog.Logger
	// Now is the clock schedules are evaluated against.
	Now func() time.Time
	// PollInterval (real time) re-checks every CronJob, on top of the
	// wake-up at each one's next schedule time; 10s by default. Tests
	// that drive Now by hand shorten it.
	PollInterval time.Duration
}

// Controller reconciles CronJobs.
type Controller struct {
	cfg   Config
	queue *workqueue.Queue[string]
}

// New builds the controller and registers its event handlers.
func New(cfg Config) *Controller {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 10 * time.Second
	}
	c := &Controller{cfg: cfg, queue: workqueue.New(workqueue.Config[string]{Name: "cronjob"})}
	enqueue := func(cj *batchv1.CronJob) { c.queue.Add(informer.KeyOf(cj)) }
	cfg.CronJobs.AddHandler(informer.Handler[*batchv1.CronJob]{
		OnAdd:    func(cj *batchv1.CronJob, _ bool) { enqueue(cj) },
		OnUpdate: func(_, cj *batchv1.CronJob) { enqueue(cj) },
	})
	jobChanged := func(j *batchv1.Job) {
		if ref := metav1.GetControllerOf(j); ref != nil && ref.Kind == "CronJob" {
			c.queue.Add(j.Namespace + "/" + ref.Name)
		}
	}
	cfg.Jobs.AddHandler(informer.Handler[*batchv1.Job]{
		OnAdd:    func(j *batchv1.Job, _ bool) { jobChanged(j) },
		OnUpdate: func(_, j *batchv1.Job) { jobChanged(j) },
		OnDelete: jobChanged,
	})
	return c
}

// Run processes the queue with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !informer.WaitForCacheSync(ctx, c.cfg.CronJobs.HasSynced, c.cfg.Jobs.HasSynced) {
		return
	}
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c.processNext(ctx) {
			}
		}()
	}
	tick := time.NewTicker(c.cfg.PollInterval)
	defer tick.Stop()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-tick.C:
			for _, key := range c.cfg.CronJobs.Lister().Keys() {
				c.queue.Add(key)
			}
		}
	}
	c.queue.ShutDown()
	wg.Wait()
}

func (c *Controller) processNext(ctx context.Context) bool {
	key, shutdown := c.queue.Get()
	if shutdown {
		return false
	}
	defer c.queue.Done(key)
	if err := c.sync(ctx, key); err != nil {
		c.cfg.Logger.Info("sync failed, requeueing", "key", key, "err", err)
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	return true
}
