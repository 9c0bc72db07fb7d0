package app

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/kubelet/internal/cgroups"
	"github.com/wharfhq/wharf/kubelet/internal/eviction"
	"github.com/wharfhq/wharf/kubelet/internal/node"
	"github.com/wharfhq/wharf/kubelet/internal/pods"
)

// reserve applies --kube-reserved, --system-reserved and the memory
// eviction threshold to m's allocatable, as upstream does, and returns the
// parsed thresholds.
func (o Options) reserve(m *node.Machine) ([]eviction.Threshold, error) {
	for flag, v := range map[string]string{"--kube-reserved": o.KubeReserved, "--system-reserved": o.SystemReserved} {
		rl, err := node.ParseResourceList(v)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrUsage, flag, err)
		}
		m.Reserve(rl)
	}
	ts, err := eviction.ParseThresholds(o.EvictionHard)
	if err != nil {
		return nil, fmt.Errorf("%w: --eviction-hard: %w", ErrUsage, err)
	}
	for _, t := range ts {
		if t.Signal == eviction.MemoryAvailable {
			m.ReservedMemory += t.Quantity + int64(float64(m.MemoryBytes)*t.Percent/100)
		}
	}
	return ts, nil
}

// resources applies the reservations to m and makes the cgroup manager.
func (o Options) resources(m *node.Machine) ([]eviction.Threshold, *cgroups.Manager, error) {
	ts, err := o.reserve(m)
	if err != nil {
		return nil, nil, err
	}
	cg, err := o.cgroups(*m)
	return ts, cg, err
}

// pressure reports the eviction manager's pressure as node conditions.
func pressure(m *eviction.Manager) func() node.Health {
	return func() node.Health {
		mem, disk := m.Pressure()
		return node.Health{MemoryPressure: mem, DiskPressure: disk}
	}
}

// background runs f in a goroutine; the returned func waits for it.
func background(ctx context.Context, f func(context.Context)) (wait func()) {
	done := make(chan struct{})
	go func() { defer close(done); f(ctx) }()
	return func() { <-done }
}

// cgroups is the pod cgroup manager, nil for hollow nodes.
func (o Options) cgroups(m node.Machine) (*cgroups.Manager, error) {
	if o.Runtime == "fake" {
		return nil, nil
	}
	cg, err := cgroups.NewManager(cgroups.Config{Parent: o.CgroupRoot, MemoryCapacity: m.MemoryBytes})
	if err != nil {
		return nil, fmt.Errorf("kubelet: %w", err)
	}
	return cg, nil
}

// evictionManager evicts the pods of the controller ctl holds once set.
func (o Options) evictionManager(ts []eviction.Threshold, ctl *atomic.Pointer[pods.Controller]) *eviction.Manager {
	stats := o.EvictionStats
	if stats == nil {
		stats = eviction.HostStats{Dir: o.RootDir}
	}
	if o.Runtime == "fake" && o.EvictionStats == nil {
		ts = nil // a hollow node's pods use no memory
	}
	return eviction.NewManager(eviction.Config{
		Thresholds: ts, Stats: stats, Pods: func() []*corev1.Pod {
			if c := ctl.Load(); c != nil {
				return c.ActivePods()
			}
			return nil
		},
		Evictor: lateEvictor{ctl}, Period: o.evictionPeriod(), Log: o.Log,
	})
}

func (o Options) evictionPeriod() time.Duration {
	if o.EvictionPeriod > 0 {
		return o.EvictionPeriod
	}
	return 10 * time.Second
}

// lateEvictor is the pod controller, created after the eviction manager.
type lateEvictor struct {
	ctl *atomic.Pointer[pods.Controller]
}

func (l lateEvictor) Evict(ctx context.Context, pod *corev1.Pod, message string) error {
	c := l.ctl.Load()
	if c == nil {
		return errors.New("kubelet: pod controller not running yet")
	}
	return c.Evict(ctx, pod, message)
}

// stopped is nil when ctx ended (a normal shutdown during start-up), else err.
func stopped(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}
