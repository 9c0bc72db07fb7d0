package eviction

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/wharfhq/wharf/kubelet/internal/cgroups"
)

// Signal names an observed node resource.
type Signal string

// Signals supported.
const (
	MemoryAvailable Signal = "memory.available"
	NodeFSAvailable Signal = "nodefs.available"
)

// Reason is the evicted pod's status reason.
const Reason = "Evicted"

// Threshold is crossed when Signal's available amount drops below
// Quantity bytes, or below Percent of capacity when Percent > 0.
type Threshold struct {
	Signal   Signal
	Quantity int64
	Percent  float64
}

// DefaultThresholds are upstream's defaults on Linux.
func DefaultThresholds() []Threshold {
	return []Threshold{{Signal: MemoryAvailable, Quantity: 100 << 20}, {Signal: NodeFSAvailable, Percent: 10}}
}

// ParseThresholds parses "memory.available<100Mi,nodefs.available<10%";
// "" gives DefaultThresholds.
func ParseThresholds(s string) ([]Threshold, error) {
	if strings.TrimSpace(s) == "" {
		return DefaultThresholds(), nil
	}
	var out []Threshold
	for _, part := range strings.Split(s, ",") {
		sig, val, ok := strings.Cut(strings.TrimSpace(part), "<")
		if !ok {
			return nil, fmt.Errorf("eviction: %q: want signal<quantity", part)
		}
		t := Threshold{Signal: Signal(sig)}
		if t.Signal != MemoryAvailable && t.Signal != NodeFSAvailable {
			return nil, fmt.Errorf("eviction: unsupported signal %q (want %s or %s)", sig, MemoryAvailable, NodeFSAvailable)
		}
		if p, ok := strings.CutSuffix(val, "%"); ok {
			if _, err := fmt.Sscanf(p, "%g", &t.Percent); err != nil || t.Percent <= 0 || t.Percent > 100 {
				return nil, fmt.Errorf("eviction: %q: bad percentage", part)
			}
		} else {
			q, err := resource.ParseQuantity(val)
			if err != nil {
				return nil, fmt.Errorf("eviction: %q: %w", part, err)
			}
			t.Quantity = q.Value()
		}
		out = append(out, t)
	}
	return out, nil
}

// Stats are the node's observed resources in bytes.
type Stats struct {
	MemoryAvailable, MemoryCapacity int64
	DiskAvailable, DiskCapacity     int64
}

// StatsSource observes the node.
type StatsSource interface {
	Stats(ctx context.Context) (Stats, error)
}

// Evictor ends a pod: phase Failed, reason Evicted, message; containers
// killed.
type Evictor interface {
	Evict(ctx context.Context, pod *corev1.Pod, message string) error
}

// Config configures a Manager.
type Config struct {
	Thresholds []Threshold
	Stats      StatsSource
	// Pods lists the pods running on the node (not terminal).
	Pods    func() []*corev1.Pod
	Evictor Evictor
	// Period between rounds (default 10s).
	Period time.Duration
	Log    *slog.Logger
}

// Manager evicts pods while a threshold is crossed.
type Manager struct {
	cfg Config

	mu       sync.Mutex
	pressure map[Signal]bool
}

// NewManager fills in defaults.
func NewManager(cfg Config) *Manager {
	if cfg.Period == 0 {
		cfg.Period = 10 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Manager{cfg: cfg, pressure: map[Signal]bool{}}
}

// Pressure reports which resources are under pressure after the last round.
func (m *Manager) Pressure() (memory, disk bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pressure[MemoryAvailable], m.pressure[NodeFSAvailable]
}

// Run synchronizes every Period until ctx ends; without thresholds it
// returns at once.
func (m *Manager) Run(ctx context.Context) {
	if len(m.cfg.Thresholds) == 0 {
		return
	}
	t := time.NewTicker(m.cfg.Period)
	defer t.Stop()
	for {
		if _, err := m.Synchronize(ctx); err != nil && ctx.Err() == nil {
			m.cfg.Log.WarnContext(ctx, "eviction", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Synchronize observes the node once and, if a threshold is crossed,
// evicts the first pod of Rank; it returns that pod (nil if none).
func (m *Manager) Synchronize(ctx context.Context) (*corev1.Pod, error) {
	st, err := m.cfg.Stats.Stats(ctx)
	if err != nil {
		return nil, fmt.Errorf("eviction: stats: %w", err)
	}
	crossed := Crossed(m.cfg.Thresholds, st)
	m.mu.Lock()
	m.pressure = map[Signal]bool{}
	for _, c := range crossed {
		m.pressure[c.Threshold.Signal] = true
	}
	m.mu.Unlock()
	if len(crossed) == 0 {
		return nil, nil
	}
	ranked := Rank(m.cfg.Pods())
	if len(ranked) == 0 {
		m.cfg.Log.WarnContext(ctx, "threshold crossed, no pod to evict", "signal", crossed[0].Threshold.Signal)
		return nil, nil
	}
	victim, msg := ranked[0], crossed[0].Message()
	m.cfg.Log.InfoContext(ctx, "evicting pod", "pod", victim.Namespace+"/"+victim.Name, "message", msg)
	if err := m.cfg.Evictor.Evict(ctx, victim, msg); err != nil {
		return nil, fmt.Errorf("eviction: evict %s/%s: %w", victim.Namespace, victim.Name, err)
	}
	return victim, nil
}

// Observation is a crossed threshold with what was available.
type Observation struct {
	Threshold          Threshold
	Available, Minimum int64
}

// Message is upstream's eviction message for o.
func (o Observation) Message() string {
	res := "memory"
	if o.Threshold.Signal == NodeFSAvailable {
		res = "ephemeral-storage"
	}
	return fmt.Sprintf("The node was low on resource: %s. Threshold quantity: %s, available: %s. ",
		res, resource.NewQuantity(o.Minimum, resource.BinarySI), resource.NewQuantity(o.Available, resource.BinarySI))
}

// Crossed returns the thresholds st is below. It is pure.
func Crossed(ts []Threshold, st Stats) []Observation {
	var out []Observation
	for _, t := range ts {
		avail, capacity := st.MemoryAvailable, st.MemoryCapacity
		if t.Signal == NodeFSAvailable {
			avail, capacity = st.DiskAvailable, st.DiskCapacity
		}
		minimum := t.Quantity
		if t.Percent > 0 {
			minimum = int64(float64(capacity) * t.Percent / 100)
		}
		if capacity > 0 && avail < minimum {
			out = append(out, Observation{Threshold: t, Available: avail, Minimum: minimum})
		}
	}
	return out
}

// Rank orders pods for eviction: BestEffort, then Burstable, then
// Guaranteed; within a class lower priority first, then the newest first
// (least work lost). Pods being deleted or finished are left out. Pure.
func Rank(pods []*corev1.Pod) []*corev1.Pod {
	out := make([]*corev1.Pod, 0, len(pods))
	for _, p := range pods {
		if p.DeletionTimestamp == nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if qa, qb := qosRank(a), qosRank(b); qa != qb {
			return qa < qb
		}
		if pa, pb := priority(a), priority(b); pa != pb {
			return pa < pb
		}
		return a.CreationTimestamp.After(b.CreationTimestamp.Time)
	})
	return out
}

func qosRank(p *corev1.Pod) int {
	switch cgroups.QOSClass(p) {
	case corev1.PodQOSBestEffort:
		return 0
	case corev1.PodQOSBurstable:
		return 1
	default:
		return 2
	}
}

func priority(p *corev1.Pod) int32 {
	if p.Spec.Priority != nil {
		return *p.Spec.Priority
	}
	return 0
}
