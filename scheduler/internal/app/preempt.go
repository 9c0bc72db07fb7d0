package app

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/scheduler/internal/schedule"
)

// preempt carries out a preemption plan for pod: it records the nominated
// node in status.nominatedNodeName, then deletes the victims (each with a
// UID precondition, so a recreated namesake is spared) and tells them why.
// The pod itself waits as unschedulable; the victims' deletions retry it.
func (s *scheduler) preempt(ctx context.Context, pod *corev1.Pod, plan schedule.Preemption) error {
	if err := s.nominate(ctx, pod, plan.Node); err != nil {
		return err
	}
	for _, v := range plan.Victims {
		uid := v.UID
		err := client.Pods(s.client, v.Namespace).Delete(ctx, v.Name,
			metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return fmt.Errorf("delete victim %s/%s: %w", v.Namespace, v.Name, err)
		}
		msg := fmt.Sprintf("Preempted by pod %s on node %s", pod.UID, plan.Node)
		if err := s.emitEvent(ctx, v, "Preempted", corev1.EventTypeNormal, msg); err != nil {
			s.log.WarnContext(ctx, "recording Preempted event", "pod", v.Namespace+"/"+v.Name, "err", err)
		}
	}
	s.log.InfoContext(ctx, "preempted pods", "pod", pod.Namespace+"/"+pod.Name, "node", plan.Node,
		"victims", len(plan.Victims))
	return nil
}

// nominate sets status.nominatedNodeName.
func (s *scheduler) nominate(ctx context.Context, pod *corev1.Pod, node string) error {
	if pod.Status.NominatedNodeName == node {
		return nil
	}
	data, err := json.Marshal(map[string]any{"status": map[string]any{"nominatedNodeName": node}})
	if err != nil {
		return fmt.Errorf("encode patch: %w", err)
	}
	_, err = client.Pods(s.client, pod.Namespace).Patch(ctx, pod.Name, types.MergePatchType, data,
		metav1.PatchOptions{}, "status")
	if err != nil {
		return fmt.Errorf("set nominatedNodeName of %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return nil
}
