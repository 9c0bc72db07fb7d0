package pods

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
	"github.com/wharfhq/wharf/kubelet/internal/staticpods"
	"github.com/wharfhq/wharf/proto/client"
)

// syncPod is one reconcile of a live pod: read, plan, act, report.
func (c *Controller) syncPod(ctx context.Context, w *worker, pod *corev1.Pod) (time.Duration, error) {
	if err := c.ensureSandbox(ctx, w, pod); err != nil {
		return 0, err
	}
	if err := c.ensureVolumes(ctx, w, pod); err != nil {
		return 0, err
	}
	obs, err := c.observe(ctx, w)
	if err != nil {
		return 0, err
	}
	probes, killed := c.syncProbes(ctx, w, pod, obs)
	if killed {
		if obs, err = c.observe(ctx, w); err != nil {
			return 0, err
		}
	}
	p := plan(pod, obs, time.Now())
	if len(p.Actions) > 0 {
		c.execute(ctx, w, pod, &p)
		if obs, err = c.observe(ctx, w); err != nil {
			return 0, err
		}
	}
	st := podStatus(pod, statusInput{obs: obs, waiting: p.Waiting, podIP: w.podIP, hostIP: c.cfg.HostIP, now: time.Now(), probes: probes})
	if retry, err := c.reportStatus(ctx, w, pod, st); err != nil || retry {
		return 200 * time.Millisecond, err
	}
	next := c.cfg.ResyncPeriod
	if p.Requeue > 0 && p.Requeue < next {
		next = p.Requeue
	}
	return next, nil
}

// reportStatus writes an API pod's status, or keeps a static pod's and
// brings its mirror pod up to date; retry asks for an early resync.
func (c *Controller) reportStatus(ctx context.Context, w *worker, pod *corev1.Pod, st corev1.PodStatus) (retry bool, err error) {
	if staticpods.IsStatic(pod) {
		w.status = st
		cp := pod.DeepCopy()
		cp.Status = st
		if err := c.syncMirror(ctx, cp); err != nil && ctx.Err() == nil {
			c.cfg.Log.DebugContext(ctx, "mirror pod not synced", "pod", w.key, "err", err)
		}
		return false, nil
	}
	if !statusChanged(pod.Status, st) {
		return false, nil
	}
	cp := pod.DeepCopy()
	cp.Status = st
	if _, err := client.Pods(c.cfg.Client, pod.Namespace).UpdateStatus(ctx, cp, metav1.UpdateOptions{}); err != nil {
		if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, fmt.Errorf("update status: %w", err)
	}
	return false, nil
}

// terminationGrace is the pod's grace period (default 30s).
func terminationGrace(pod *corev1.Pod) time.Duration {
	grace := 30 * time.Second
	if g := pod.DeletionGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	} else if g := pod.Spec.TerminationGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	}
	return grace
}

// podLogDir is where a pod's container logs live, as upstream's
// /var/log/pods/<ns>_<pod>_<uid>.
func (c *Controller) podLogDir(pod *corev1.Pod) string {
	return filepath.Join(c.cfg.LogDir, pod.Namespace+"_"+pod.Name+"_"+string(pod.UID))
}

// podDir is where a pod's files live.
func (c *Controller) podDir(uid types.UID) string {
	return filepath.Join(c.cfg.RootDir, "pods", string(uid))
}

// ensureSandbox sets up the pod's network and /etc files once per worker
// (Setup repairs whatever a previous kubelet left half-done).
func (c *Controller) ensureSandbox(ctx context.Context, w *worker, pod *corev1.Pod) error {
	if w.mounts != nil {
		return nil
	}
	if err := c.ensureCgroup(ctx, w, pod); err != nil {
		return fmt.Errorf("cgroups: %w", err)
	}
	if pod.Spec.HostNetwork {
		w.podIP = c.cfg.HostIP
	} else {
		netns, ip, err := c.cfg.Network.Setup(string(pod.UID))
		if err != nil {
			return fmt.Errorf("network: %w", err)
		}
		w.podIP, w.netns = ip.String(), netns
	}
	mounts, err := writePodFiles(c.podDir(pod.UID), pod, w.podIP, c.cfg.HostResolvConf)
	if err != nil {
		return err
	}
	w.mounts = mounts
	c.cfg.Log.InfoContext(ctx, "pod sandbox ready", "pod", w.key, "ip", w.podIP)
	return nil
}

func (c *Controller) observe(ctx context.Context, w *worker) (Observed, error) {
	ctrs, err := c.cfg.Runtime.ListContainers(ctx, map[string]string{runtime.LabelPodUID: string(w.uid)})
	if err != nil {
		return Observed{}, err
	}
	return Observed{Containers: ctrs, Pulls: w.pulls}, nil
}

// execute performs p's actions; failures become waiting reasons in p.
func (c *Controller) execute(ctx context.Context, w *worker, pod *corev1.Pod, p *Plan) {
	for _, a := range p.Actions {
		var err error
		switch a.Kind {
		case ActRemove:
			err = c.cfg.Runtime.RemoveContainer(ctx, a.ID)
		case ActStart:
			err = c.cfg.Runtime.StartContainer(ctx, a.ID)
		case ActCreateStart:
			c.createStart(ctx, w, pod, a, p.Waiting)
		}
		if err != nil {
			c.cfg.Log.WarnContext(ctx, "action failed", "pod", w.key, "action", a.Kind, "container", a.Container, "err", err)
		}
	}
}

func (c *Controller) createStart(ctx context.Context, w *worker, pod *corev1.Pod, a Action, waiting map[string]*corev1.ContainerStateWaiting) {
	ctr := findContainer(pod, a.Container)
	if ctr == nil {
		return
	}
	policy := pullPolicy(ctr)
	pullCtx := runtime.WithCredentials(ctx, c.pullCredentials(ctx, pod))
	if _, err := c.cfg.Runtime.EnsureImage(pullCtx, ctr.Image, policy); err != nil {
		ps := w.pulls[ctr.Name]
		ps.Failures++
		ps.Message, ps.Next = err.Error(), time.Now().Add(backoff(ps.Failures))
		w.pulls[ctr.Name] = ps
		reason := "ErrImagePull"
		if errors.Is(err, runtime.ErrImageNotPresent) {
			reason = "ErrImageNeverPull"
		}
		waiting[ctr.Name] = &corev1.ContainerStateWaiting{Reason: reason, Message: err.Error()}
		c.event(ctx, pod, ctr.Name, corev1.EventTypeWarning, "Failed", "Failed to pull image %q: %v", ctr.Image, err)
		return
	}
	delete(w.pulls, ctr.Name)
	env, err := containerEnv(ctx, envInput{pod: pod, podIP: w.podIP, hostIP: c.cfg.HostIP, objects: c.objects, services: serviceEnv(pod, c.cfg.Services)}, ctr)
	if err != nil {
		waiting[ctr.Name] = &corev1.ContainerStateWaiting{Reason: "CreateContainerConfigError", Message: err.Error()}
		return
	}
	vols, err := volumeMounts(ctr, w.volumes)
	if err != nil {
		waiting[ctr.Name] = &corev1.ContainerStateWaiting{Reason: "CreateContainerConfigError", Message: err.Error()}
		return
	}
	spec := c.containerSpec(w, pod, ctr, a, env)
	spec.Mounts = append(slices.Clone(spec.Mounts), vols...)
	id, err := c.cfg.Runtime.CreateContainer(ctx, spec)
	if err != nil {
		waiting[ctr.Name] = &corev1.ContainerStateWaiting{Reason: "CreateContainerError", Message: err.Error()}
		return
	}
	if err := c.cfg.Runtime.StartContainer(ctx, id); err != nil {
		waiting[ctr.Name] = &corev1.ContainerStateWaiting{Reason: "RunContainerError", Message: err.Error()}
		c.event(ctx, pod, ctr.Name, corev1.EventTypeWarning, "Failed", "Error: %v", err)
		return
	}
	c.event(ctx, pod, ctr.Name, corev1.EventTypeNormal, "Started", "Started container %s", ctr.Name)
	c.cfg.Log.InfoContext(ctx, "started container", "pod", w.key, "container", ctr.Name, "attempt", a.Attempt, "id", id)
}

func (c *Controller) containerSpec(w *worker, pod *corev1.Pod, ctr *corev1.Container, a Action, env []string) runtime.ContainerSpec {
	spec := runtime.ContainerSpec{
		PodUID: string(pod.UID), PodNamespace: pod.Namespace, PodName: pod.Name,
		Name: ctr.Name, Attempt: a.Attempt, Init: a.Init, Image: ctr.Image,
		Command: ctr.Command, Args: ctr.Args, Env: env, WorkingDir: ctr.WorkingDir,
		Hostname: hostname(pod), Mounts: w.mounts, NetNSPath: w.netns,
		LogPath: filepath.Join(c.podLogDir(pod), ctr.Name, strconv.Itoa(a.Attempt)+".log"),
	}
	c.withResources(w, pod, ctr, &spec)
	if sc := ctr.SecurityContext; sc != nil {
		spec.Privileged = sc.Privileged != nil && *sc.Privileged
		spec.RunAsUser, spec.RunAsGroup = sc.RunAsUser, sc.RunAsGroup
		spec.ReadOnlyRootFS = sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem
		if caps := sc.Capabilities; caps != nil {
			for _, c := range caps.Add {
				spec.CapAdd = append(spec.CapAdd, string(c))
			}
			for _, c := range caps.Drop {
				spec.CapDrop = append(spec.CapDrop, string(c))
			}
		}
	}
	if psc := pod.Spec.SecurityContext; psc != nil {
		if spec.RunAsUser == nil {
			spec.RunAsUser = psc.RunAsUser
		}
		if spec.RunAsGroup == nil {
			spec.RunAsGroup = psc.RunAsGroup
		}
	}
	return spec
}

// terminate stops every container of a pod being deleted within its grace
// period, releases its network, and deletes the pod object for good.
func (c *Controller) terminate(ctx context.Context, pod *corev1.Pod) error {
	grace := terminationGrace(pod)
	start := time.Now()
	c.event(ctx, pod, "", corev1.EventTypeNormal, "Killing", "Stopping pod %s (grace period %s)", pod.Name, grace)
	if err := c.preStop(ctx, pod, grace); err != nil {
		return err
	}
	if err := c.cleanup(ctx, pod.UID, max(grace-time.Since(start), 0)); err != nil {
		return err
	}
	zero := int64(0)
	uid := pod.UID
	err := client.Pods(c.cfg.Client, pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &uid},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("delete pod: %w", err)
	}
	c.cfg.Log.InfoContext(ctx, "pod terminated", "pod", pod.Namespace+"/"+pod.Name, "grace", grace)
	return nil
}

// cleanup stops (in parallel, SIGTERM then SIGKILL after grace) and
// removes every container of pod uid, tears its network down and removes
// its directory. It is idempotent.
func (c *Controller) cleanup(ctx context.Context, uid types.UID, grace time.Duration) error {
	ctrs, err := c.cfg.Runtime.ListContainers(ctx, map[string]string{runtime.LabelPodUID: string(uid)})
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(ctrs))
	for i, ctr := range ctrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.cfg.Runtime.StopContainer(ctx, ctr.ID, grace); err != nil {
				errs[i] = err
				return
			}
			errs[i] = c.cfg.Runtime.RemoveContainer(ctx, ctr.ID)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := c.cfg.Network.Teardown(string(uid)); err != nil {
		return err
	}
	if c.cfg.Probes != nil {
		c.cfg.Probes.Forget(string(uid))
	}
	if c.cfg.Volumes != nil {
		if err := c.cfg.Volumes.Teardown(string(uid)); err != nil {
			return err
		}
	}
	if err := c.removeCgroup(ctx, uid); err != nil {
		return err
	}
	if err := os.RemoveAll(c.podDir(uid)); err != nil {
		return fmt.Errorf("remove pod dir: %w", err)
	}
	logDirs, _ := filepath.Glob(filepath.Join(c.cfg.LogDir, "*_"+string(uid)))
	for _, d := range logDirs {
		if err := os.RemoveAll(d); err != nil {
			return fmt.Errorf("remove pod logs: %w", err)
		}
	}
	return nil
}

func findContainer(pod *corev1.Pod, name string) *corev1.Container {
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}

// pullPolicy applies upstream's default: Always for :latest or untagged
// images, IfNotPresent otherwise.
func pullPolicy(c *corev1.Container) runtime.PullPolicy {
	if c.ImagePullPolicy != "" {
		return runtime.PullPolicy(c.ImagePullPolicy)
	}
	img := c.Image
	if i := strings.LastIndexByte(img, '@'); i >= 0 {
		return runtime.PullIfNotPresent
	}
	slash := strings.LastIndexByte(img, '/')
	colon := strings.LastIndexByte(img, ':')
	if colon <= slash || img[colon+1:] == "latest" {
		return runtime.PullAlways
	}
	return runtime.PullIfNotPresent
}
