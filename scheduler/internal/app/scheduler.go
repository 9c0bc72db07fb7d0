package app

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
	"github.com/wharfhq/wharf/scheduler/internal/cache"
	"github.com/wharfhq/wharf/scheduler/internal/metrics"
	"github.com/wharfhq/wharf/scheduler/internal/queue"
	"github.com/wharfhq/wharf/scheduler/internal/schedule"
	"github.com/wharfhq/wharf/scheduler/internal/state"
)

// scheduler is one leader term of the scheduling loop. run owns snap and
// start; everything else is safe for concurrent use.
type scheduler struct {
	opts    Options
	log     *slog.Logger
	client  *client.Client
	cache   *cache.Cache
	queue   *queue.Queue
	alg     *schedule.Algorithm
	metrics *metrics.Metrics

	pods  *informer.Informer[*corev1.Pod]
	nodes *informer.Informer[*corev1.Node]
	pvcs  *informer.Informer[*corev1.PersistentVolumeClaim]
	pvs   *informer.Informer[*corev1.PersistentVolume]

	namespaces *informer.Informer[*corev1.Namespace]
	nsLabels   namespaceLabels

	snap  *state.Snapshot
	start int
	binds chan struct{} // semaphore of BindWorkers
	wg    sync.WaitGroup
}

func newScheduler(opts Options, c *client.Client, q *queue.Queue, m *metrics.Metrics) *scheduler {
	s := &scheduler{
		opts: opts, log: opts.Logger, client: c, queue: q, metrics: m,
		cache: cache.New(opts.AssumedTTL, nil),
		alg:   schedule.New(schedule.Config{PercentageOfNodesToScore: opts.PercentageOfNodesToScore}),
		snap:  &state.Snapshot{},
		binds: make(chan struct{}, opts.BindWorkers),
	}
	iopts := func() informer.Options[*corev1.Pod] { return informer.Options[*corev1.Pod]{Logger: opts.Logger} }
	s.pods = informer.New(informer.FromResource(client.Pods(c, "")), iopts())
	s.nodes = informer.New(informer.FromResource(client.Nodes(c)), informer.Options[*corev1.Node]{Logger: opts.Logger})
	s.pvcs = informer.New(informer.FromResource(client.PersistentVolumeClaims(c, "")),
		informer.Options[*corev1.PersistentVolumeClaim]{Logger: opts.Logger})
	s.pvs = informer.New(informer.FromResource(client.PersistentVolumes(c)),
		informer.Options[*corev1.PersistentVolume]{Logger: opts.Logger})
	s.namespaces = informer.New(informer.FromResource(client.Namespaces(c)),
		informer.Options[*corev1.Namespace]{Logger: opts.Logger})
	s.addHandlers()
	s.addNamespaceHandlers()
	return s
}

// run starts the informers, waits for their caches and schedules until ctx
// ends; it waits for in-flight binds before returning.
func (s *scheduler) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var bg sync.WaitGroup
	defer bg.Wait()
	defer cancel()
	for _, r := range []func(context.Context){s.pods.Run, s.nodes.Run, s.pvcs.Run, s.pvs.Run, s.namespaces.Run} {
		bg.Go(func() { r(ctx) })
	}
	bg.Go(func() { s.queue.Run(ctx, time.Second) })
	bg.Go(func() { s.cleanupLoop(ctx) })
	if !informer.WaitForCacheSync(ctx, s.pods.HasSynced, s.nodes.HasSynced, s.pvcs.HasSynced, s.pvs.HasSynced,
		s.namespaces.HasSynced) {
		return ctx.Err()
	}
	s.log.InfoContext(ctx, "scheduler caches synced", "nodes", s.nodes.Lister().Len(), "pods", s.pods.Lister().Len())
	defer s.wg.Wait()
	for {
		it, err := s.queue.Pop(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil
			}
			return err
		}
		s.scheduleOne(ctx, it)
	}
}

func (s *scheduler) cleanupLoop(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n := s.cache.Cleanup(); n > 0 {
				s.log.WarnContext(ctx, "expired assumed pods whose binding never appeared", "count", n)
				s.queue.MoveAll()
			}
		}
	}
}

// scheduleOne makes one scheduling decision and hands the bind off.
func (s *scheduler) scheduleOne(ctx context.Context, it *queue.Item) {
	pod := it.Pod
	if pod.Spec.NodeName != "" || pod.DeletionTimestamp != nil {
		s.queue.Done(pod.UID)
		return
	}
	s.cache.UpdateSnapshot(s.snap)
	s.snap.Namespaces = s.nsLabels.get()
	pi := state.NewPodInfo(pod)
	pi.Volumes = s.volumeConstraint(pod)
	begin := time.Now()
	res := s.alg.Schedule(s.snap, pi, s.start)
	s.metrics.Algorithm.Observe(time.Since(begin).Seconds())
	s.start = res.NextStart
	if res.Node == "" {
		s.unschedulable(ctx, it, pi, res)
		return
	}
	if err := s.cache.Assume(pi, res.Node); err != nil {
		s.log.ErrorContext(ctx, "assume failed", "pod", pod.Namespace+"/"+pod.Name, "err", err)
		s.metrics.Attempts.WithLabelValues(metrics.ResultError).Inc()
		s.queue.AddBackoff(it)
		return
	}
	select {
	case s.binds <- struct{}{}:
	case <-ctx.Done():
		s.cache.Forget(pod.UID)
		return
	}
	s.wg.Go(func() {
		defer func() { <-s.binds }()
		s.bind(ctx, it, res.Node)
	})
}

// unschedulable handles a pod that fits nowhere: it tries preemption, parks
// the pod until the cluster changes, and records why.
func (s *scheduler) unschedulable(ctx context.Context, it *queue.Item, pi *state.PodInfo, res schedule.Result) {
	pod := it.Pod
	s.metrics.Attempts.WithLabelValues(metrics.ResultUnschedulable).Inc()
	msg := schedule.FailureMessage(res.NumNodes, res.Reasons)
	s.log.DebugContext(ctx, "pod unschedulable", "pod", pod.Namespace+"/"+pod.Name, "reason", msg)
	if plan, ok := s.alg.Preempt(s.snap, pi, res.Reasons); ok {
		if err := s.preempt(ctx, pod, plan); err != nil {
			s.log.WarnContext(ctx, "preemption failed", "pod", pod.Namespace+"/"+pod.Name, "err", err)
			s.queue.AddBackoff(it)
			return
		}
	}
	s.queue.AddUnschedulable(it)
	s.wg.Go(func() { s.recordFailure(ctx, pod, msg) })
}
