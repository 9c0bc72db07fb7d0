package probes

import (
	"context"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// Kind is a probe kind.
type Kind string

// Probe kinds.
const (
	Liveness  Kind = "Liveness"
	Readiness Kind = "Readiness"
	Startup   Kind = "Startup"
)

// Status is what the probes say about one running container.
type Status struct {
	Ready, Started bool
	// Unhealthy is set once a liveness or startup probe failed
	// failureThreshold times: the container must be restarted.
	Unhealthy string
}

// state is one container's results; guarded by Manager.mu.
type state struct {
	hasReadiness, hasStartup bool
	ready, started           bool
	unhealthy                string
}

// Manager owns the probe workers of every pod of the node.
type Manager struct {
	exec func(ctx context.Context, id string, cmd []string) (int, error)
	log  *slog.Logger

	mu      sync.Mutex
	states  map[string]*state             // by container ID
	cancels map[string]context.CancelFunc // by container ID
	byPod   map[string]map[string]bool    // pod uid -> container IDs
}

// NewManager returns a Manager whose exec probes run through exec.
func NewManager(exec func(ctx context.Context, id string, cmd []string) (int, error), log *slog.Logger) *Manager {
	if log == nil {
		log = slog.Default()
	}
	return &Manager{exec: exec, log: log, states: map[string]*state{}, cancels: map[string]context.CancelFunc{}, byPod: map[string]map[string]bool{}}
}

// Sync starts workers for pod's running containers that have probes and
// stops those of containers no longer running. notify is called when a
// result changes.
func (m *Manager) Sync(ctx context.Context, pod *corev1.Pod, podIP, netns string, running []runtime.Container, notify func()) {
	uid := string(pod.UID)
	m.mu.Lock()
	defer m.mu.Unlock()
	live := map[string]bool{}
	for _, rc := range running {
		c := findContainer(pod, rc.Name)
		if c == nil || (c.LivenessProbe == nil && c.ReadinessProbe == nil && c.StartupProbe == nil) {
			continue
		}
		live[rc.ID] = true
		if _, ok := m.states[rc.ID]; ok {
			continue
		}
		st := &state{hasReadiness: c.ReadinessProbe != nil, hasStartup: c.StartupProbe != nil}
		m.states[rc.ID] = st
		wctx, cancel := context.WithCancel(ctx)
		m.cancels[rc.ID] = cancel
		if m.byPod[uid] == nil {
			m.byPod[uid] = map[string]bool{}
		}
		m.byPod[uid][rc.ID] = true
		t := Target{PodIP: podIP, NetNS: netns, ContainerID: rc.ID, Container: c, Exec: m.exec}
		for kind, p := range map[Kind]*corev1.Probe{Liveness: c.LivenessProbe, Readiness: c.ReadinessProbe, Startup: c.StartupProbe} {
			if p != nil {
				w := &worker{m: m, kind: kind, probe: p, target: t, startedAt: rc.StartedAt, notify: notify}
				go w.run(wctx)
			}
		}
	}
	for id := range m.byPod[uid] {
		if !live[id] {
			m.forgetLocked(uid, id)
		}
	}
}

// Status returns the results for a container; ok is false when it has no
// probes (or none running yet).
func (m *Manager) Status(containerID string) (Status, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.states[containerID]
	if !ok {
		return Status{}, false
	}
	started := !st.hasStartup || st.started
	ready := started && (!st.hasReadiness || st.ready)
	return Status{Ready: ready, Started: started, Unhealthy: st.unhealthy}, true
}

// Forget stops every worker of pod uid.
func (m *Manager) Forget(uid string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id := range m.byPod[uid] {
		m.forgetLocked(uid, id)
	}
	delete(m.byPod, uid)
}

func (m *Manager) forgetLocked(uid, id string) {
	if c := m.cancels[id]; c != nil {
		c()
	}
	delete(m.cancels, id)
	delete(m.states, id)
	delete(m.byPod[uid], id)
}

func findContainer(pod *corev1.Pod, name string) *corev1.Container {
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	return nil
}

// worker runs one probe of one container.
type worker struct {
	m         *Manager
	kind      Kind
	probe     *corev1.Probe
	target    Target
	startedAt time.Time
	notify    func()
	successes int32
	failures  int32
}

func (w *worker) run(ctx context.Context) {
	period := time.Duration(max(w.probe.PeriodSeconds, 1)) * time.Second
	if w.probe.PeriodSeconds == 0 {
		period = 10 * time.Second
	}
	delay := time.Until(w.startedAt.Add(time.Duration(w.probe.InitialDelaySeconds) * time.Second))
	t := time.NewTimer(max(delay, 0))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !w.step(ctx) {
			return
		}
		t.Reset(period)
	}
}

// step probes once unless gated by the startup probe; it returns false
// when the worker is done (a startup probe succeeded, or the container
// was declared unhealthy).
func (w *worker) step(ctx context.Context) bool {
	if w.kind != Startup && !w.startupDone() {
		return true
	}
	err := Do(ctx, w.probe, w.target)
	if ctx.Err() != nil {
		return false
	}
	if err == nil {
		w.successes, w.failures = w.successes+1, 0
	} else {
		w.successes, w.failures = 0, w.failures+1
		w.m.log.Debug("probe failed", "kind", w.kind, "container", w.target.ContainerID, "err", err)
	}
	success := max(w.probe.SuccessThreshold, 1)
	failure := w.probe.FailureThreshold
	if failure == 0 {
		failure = 3
	}
	switch {
	case err == nil && w.successes >= success:
		return w.record(true, "")
	case err != nil && w.failures >= failure:
		return w.record(false, string(w.kind)+" probe failed: "+err.Error())
	}
	return true
}

func (w *worker) startupDone() bool {
	w.m.mu.Lock()
	defer w.m.mu.Unlock()
	st, ok := w.m.states[w.target.ContainerID]
	return ok && (!st.hasStartup || st.started)
}

// record stores a result and notifies the pod worker on a change.
func (w *worker) record(ok bool, msg string) bool {
	w.m.mu.Lock()
	st, live := w.m.states[w.target.ContainerID]
	changed := false
	cont := true
	if live {
		switch w.kind {
		case Readiness:
			changed, st.ready = st.ready != ok, ok
		case Startup:
			changed, st.started = st.started != ok, ok
			if !ok {
				st.unhealthy, changed = msg, true
			}
			cont = false
		case Liveness:
			if !ok {
				st.unhealthy, changed, cont = msg, true, false
			}
		}
	}
	w.m.mu.Unlock()
	if changed {
		w.notify()
	}
	return cont && live
}
