package cronjob

import (
	"context"
	"log/slog"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/controller-manager/internal/controller/worker"
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
	worker.ProcessWithResync(ctx, c.queue, workers, c.cfg.Logger, c.sync, c.cfg.PollInterval, c.cfg.CronJobs.Lister().Keys)
}
