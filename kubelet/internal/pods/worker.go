package pods

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
	"github.com/wharfhq/wharf/proto/informer"
)

// worker is the state of one pod key; only its goroutine touches it.
type worker struct {
	key    string
	poke   chan struct{}
	uid    types.UID
	podIP  string
	netns  string          // "" for hostNetwork pods
	mounts []runtime.Mount // nil until the pod's network and files exist
	pulls  map[string]PullState
	cgroup string // the pod's cgroup, "" until made (or without cgroups)
	// volumes maps volume names to host paths, nil until set up;
	// volumesAt is when they were last refreshed.
	volumes   map[string]string
	volumesAt time.Time
	// status is a static pod's last computed status (API pods keep it in
	// the API); grace its termination grace period.
	status corev1.PodStatus
	grace  time.Duration
}

func (w *worker) reset() {
	w.uid, w.podIP, w.netns, w.mounts, w.pulls, w.cgroup = "", "", "", nil, map[string]PullState{}, ""
	w.volumes, w.volumesAt = nil, time.Time{}
	w.status, w.grace = corev1.PodStatus{}, 0
}

// poke wakes key's worker, starting one if needed.
func (c *Controller) poke(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w, ok := c.workers[key]
	if !ok {
		w = &worker{key: key, poke: make(chan struct{}, 1), pulls: map[string]PullState{}}
		c.workers[key] = w
		c.wg.Add(1)
		go c.runWorker(c.runCtx, w)
	}
	select {
	case w.poke <- struct{}{}:
	default:
	}
}

func (c *Controller) runWorker(ctx context.Context, w *worker) {
	defer c.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.poke:
		case <-timer.C:
		}
		next, done := c.sync(ctx, w)
		if done {
			c.mu.Lock()
			if len(w.poke) == 0 {
				delete(c.workers, w.key)
				c.mu.Unlock()
				return
			}
			c.mu.Unlock()
			continue
		}
		timer.Reset(next)
	}
}

// sync reconciles one pod; it returns when to sync again, or done when the
// pod is gone and cleaned up.
func (c *Controller) sync(ctx context.Context, w *worker) (time.Duration, bool) {
	log := c.cfg.Log.With("pod", w.key)
	ns, name := informer.SplitKey(w.key)
	pod, static, ok := c.podFor(ns, name)
	if !ok || (w.uid != "" && pod.UID != w.uid) {
		if w.uid != "" {
			if err := c.cleanup(ctx, w.uid, max(w.grace, 2*time.Second)); err != nil {
				log.WarnContext(ctx, "cleanup", "err", err)
				return time.Second, false
			}
			log.InfoContext(ctx, "pod removed", "uid", w.uid)
			w.reset()
		}
		if !ok {
			if !c.deleteOrphanedMirror(ctx, ns, name) {
				return time.Second, false
			}
			return 0, true
		}
	}
	w.uid = pod.UID
	if static {
		pod = pod.DeepCopy()
		pod.Status = w.status
		w.grace = terminationGrace(pod)
	}
	if pod.DeletionTimestamp != nil {
		if err := c.terminate(ctx, pod); err != nil {
			log.WarnContext(ctx, "terminate", "err", err)
			return time.Second, false
		}
		return c.cfg.ResyncPeriod, false
	}
	next, err := c.syncPod(ctx, w, pod)
	if err != nil {
		if ctx.Err() == nil {
			log.WarnContext(ctx, "sync", "err", err)
		}
		return 500 * time.Millisecond, false
	}
	return next, false
}
