package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/scheduler/internal/metrics"
	"github.com/wharfhq/wharf/scheduler/internal/queue"
)

// bind POSTs the binding. On failure the assumed pod is forgotten and the
// pod retried after backoff (a 409 means someone else bound it: the watch
// then drops it from the queue).
func (s *scheduler) bind(ctx context.Context, it *queue.Item, node string) {
	pod := it.Pod
	b := &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: node},
	}
	begin := time.Now()
	err := client.Bind(ctx, s.client, b)
	s.metrics.Binding.Observe(time.Since(begin).Seconds())
	if err != nil {
		s.cache.Forget(pod.UID)
		s.metrics.Attempts.WithLabelValues(metrics.ResultError).Inc()
		if apierrors.IsNotFound(err) {
			s.queue.Delete(pod.UID)
			return
		}
		s.log.InfoContext(ctx, "binding failed, retrying", "pod", pod.Namespace+"/"+pod.Name, "node", node,
			"conflict", apierrors.IsConflict(err), "err", err)
		s.queue.AddBackoff(it)
		return
	}
	s.cache.FinishBinding(pod.UID)
	s.queue.Done(pod.UID)
	s.metrics.Attempts.WithLabelValues(metrics.ResultScheduled).Inc()
	s.metrics.E2E.Observe(time.Since(it.Added).Seconds())
	s.log.DebugContext(ctx, "bound pod", "pod", pod.Namespace+"/"+pod.Name, "node", node)
}

// recordFailure emits a FailedScheduling event and sets PodScheduled=False
// (only when the condition's message changes, to spare the apiserver).
func (s *scheduler) recordFailure(ctx context.Context, pod *corev1.Pod, msg string) {
	if err := s.emitEvent(ctx, pod, "FailedScheduling", corev1.EventTypeWarning, msg); err != nil {
		s.log.WarnContext(ctx, "recording FailedScheduling event", "pod", pod.Namespace+"/"+pod.Name, "err", err)
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Message == msg {
			return
		}
	}
	if err := s.setUnschedulable(ctx, pod, msg); err != nil {
		s.log.WarnContext(ctx, "setting PodScheduled condition", "pod", pod.Namespace+"/"+pod.Name, "err", err)
	}
}

func (s *scheduler) emitEvent(ctx context.Context, pod *corev1.Pod, reason, typ, msg string) error {
	now := metav1.Now()
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{
			Name:      pod.Name + "." + strconv.FormatInt(now.UnixNano(), 16),
			Namespace: pod.Namespace,
		},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: pod.Namespace,
			Name: pod.Name, UID: pod.UID, ResourceVersion: pod.ResourceVersion},
		Reason: reason, Message: msg, Type: typ,
		Source:         corev1.EventSource{Component: s.opts.SchedulerName},
		FirstTimestamp: now, LastTimestamp: now, Count: 1,
		EventTime:           metav1.NewMicroTime(now.Time),
		ReportingController: s.opts.SchedulerName, ReportingInstance: s.opts.Identity, Action: "Scheduling",
	}
	if _, err := client.Events(s.client, pod.Namespace).Create(ctx, ev, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create event: %w", err)
	}
	return nil
}

func (s *scheduler) setUnschedulable(ctx context.Context, pod *corev1.Pod, msg string) error {
	patch := map[string]any{"status": map[string]any{"conditions": []corev1.PodCondition{{
		Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
		Message: msg, LastTransitionTime: metav1.Now(),
	}}}}
	data, err := json.Marshal(patch)
	if err != nil {
		return fmt.Errorf("encode patch: %w", err)
	}
	_, err = client.Pods(s.client, pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, data,
		metav1.PatchOptions{}, "status")
	if err != nil {
		return fmt.Errorf("patch pods/status: %w", err)
	}
	return nil
}
