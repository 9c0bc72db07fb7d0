package pods

import (
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// Backoff bounds for restarts and image pulls.
const (
	BackoffInitial = 10 * time.Second
	BackoffMax     = 5 * time.Minute
	backoffReset   = 10 * time.Minute
)

// PullState remembers failed pulls of one container's image.
type PullState struct {
	Failures int
	Message  string
	Next     time.Time
}

// Observed is what the kubelet sees of one pod.
type Observed struct {
	// Containers holds every attempt of every container of the pod.
	Containers []runtime.Container
	// Pulls is the pull backoff state by container name.
	Pulls map[string]PullState
}

// ActionKind says what an Action does.
type ActionKind string

// Action kinds.
const (
	// ActCreateStart pulls the image, creates and starts a new attempt.
	ActCreateStart ActionKind = "CreateStart"
	// ActStart starts an attempt created earlier but never started.
	ActStart ActionKind = "Start"
	// ActRemove removes an old exited attempt.
	ActRemove ActionKind = "Remove"
)

// Action is one step of a plan.
type Action struct {
	Kind      ActionKind
	Container string
	Init      bool
	Attempt   int
	ID        string
}

// Plan is the outcome of plan: actions to execute, container waiting
// reasons to report, and when to look again (0: only on events/resync).
type Plan struct {
	Actions []Action
	Waiting map[string]*corev1.ContainerStateWaiting
	Requeue time.Duration
}

// attempts groups a pod's containers by name, newest attempt first.
func attempts(cs []runtime.Container) map[string][]runtime.Container {
	out := map[string][]runtime.Container{}
	for _, c := range cs {
		out[c.Name] = append(out[c.Name], c)
	}
	for _, l := range out {
		sort.Slice(l, func(i, j int) bool { return l[i].Attempt > l[j].Attempt })
	}
	return out
}

// shouldRestart applies the pod's restartPolicy to an exited container.
func shouldRestart(policy corev1.RestartPolicy, exitCode int32) bool {
	switch policy {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		return exitCode != 0
	default:
		return true
	}
}

// restartDelay is how long after prev exited its next attempt may start.
func restartDelay(prev runtime.Container) time.Duration {
	if prev.Attempt == 0 || prev.FinishedAt.Sub(prev.StartedAt) >= backoffReset {
		return 0
	}
	return backoff(prev.Attempt)
}

// backoff returns 10s * 2^(n-1), at most 5m, for n >= 1.
func backoff(n int) time.Duration {
	d := BackoffInitial
	for i := 1; i < n && d < BackoffMax; i++ {
		d *= 2
	}
	return min(d, BackoffMax)
}

// planner accumulates a Plan.
type planner struct {
	pod  *corev1.Pod
	obs  Observed
	now  time.Time
	byN  map[string][]runtime.Container
	plan Plan
}

// plan decides what to do next for pod given what is observed, at now.
// It is pure: it never performs I/O and takes time as an argument.
func plan(pod *corev1.Pod, obs Observed, now time.Time) Plan {
	p := &planner{pod: pod, obs: obs, now: now, byN: attempts(obs.Containers)}
	p.plan.Waiting = map[string]*corev1.ContainerStateWaiting{}
	p.gc()
	if isTerminal(pod.Status.Phase) {
		return p.plan
	}
	for i := range pod.Spec.InitContainers {
		if !p.initDone(&pod.Spec.InitContainers[i]) {
			return p.plan
		}
	}
	for i := range pod.Spec.Containers {
		p.regular(&pod.Spec.Containers[i])
	}
	return p.plan
}

// initDone plans one init container and reports whether it completed.
func (p *planner) initDone(c *corev1.Container) bool {
	l := p.byN[c.Name]
	if len(l) == 0 {
		p.start(c, true, 0)
		return false
	}
	latest := l[0]
	switch latest.State {
	case runtime.StateCreated:
		p.add(Action{Kind: ActStart, Container: c.Name, Init: true, Attempt: latest.Attempt, ID: latest.ID})
		return false
	case runtime.StateExited:
		if latest.ExitCode == 0 {
			return true
		}
		if p.pod.Spec.RestartPolicy != corev1.RestartPolicyNever {
			p.restart(c, true, latest)
		}
		return false
	default:
		return false
	}
}

func (p *planner) regular(c *corev1.Container) {
	l := p.byN[c.Name]
	if len(l) == 0 {
		p.start(c, false, 0)
		return
	}
	latest := l[0]
	switch latest.State {
	case runtime.StateCreated:
		p.add(Action{Kind: ActStart, Container: c.Name, Attempt: latest.Attempt, ID: latest.ID})
	case runtime.StateExited:
		if shouldRestart(p.pod.Spec.RestartPolicy, latest.ExitCode) {
			p.restart(c, false, latest)
		}
	}
}

// restart starts attempt prev+1 once prev's backoff has passed.
func (p *planner) restart(c *corev1.Container, init bool, prev runtime.Container) {
	delay := restartDelay(prev)
	if wait := prev.FinishedAt.Add(delay).Sub(p.now); wait > 0 {
		p.plan.Waiting[c.Name] = &corev1.ContainerStateWaiting{
			Reason:  "CrashLoopBackOff",
			Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", delay, c.Name, p.pod.Name, p.pod.Namespace, p.pod.UID),
		}
		p.requeue(wait)
		return
	}
	p.start(c, init, prev.Attempt+1)
}

// start creates attempt n unless the image pull is backing off.
func (p *planner) start(c *corev1.Container, init bool, n int) {
	if ps, ok := p.obs.Pulls[c.Name]; ok && ps.Failures > 0 && p.now.Before(ps.Next) {
		p.plan.Waiting[c.Name] = &corev1.ContainerStateWaiting{
			Reason:  "ImagePullBackOff",
			Message: fmt.Sprintf("Back-off pulling image %q: %s", c.Image, ps.Message),
		}
		p.requeue(ps.Next.Sub(p.now))
		return
	}
	p.add(Action{Kind: ActCreateStart, Container: c.Name, Init: init, Attempt: n})
}

// gc removes exited attempts older than the latest two of each container,
// and every attempt of containers no longer in the spec.
func (p *planner) gc() {
	inSpec := map[string]bool{}
	for _, c := range allContainers(p.pod) {
		inSpec[c.Name] = true
	}
	names := make([]string, 0, len(p.byN))
	for n := range p.byN {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for i, c := range p.byN[n] {
			if (!inSpec[n] || i >= 2) && c.State != runtime.StateRunning {
				p.add(Action{Kind: ActRemove, Container: n, Attempt: c.Attempt, ID: c.ID})
			}
		}
	}
}

func (p *planner) add(a Action) { p.plan.Actions = append(p.plan.Actions, a) }

func (p *planner) requeue(d time.Duration) {
	if p.plan.Requeue == 0 || d < p.plan.Requeue {
		p.plan.Requeue = d
	}
}

func isTerminal(phase corev1.PodPhase) bool {
	return phase == corev1.PodSucceeded || phase == corev1.PodFailed
}

// allContainers returns init then regular containers.
func allContainers(pod *corev1.Pod) []corev1.Container {
	return append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...)
}
