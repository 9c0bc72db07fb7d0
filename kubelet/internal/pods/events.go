package pods

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

// event records a core/v1 Event about one container of pod, as upstream's
// kubelet does (source component "kubelet"). Failures are logged only:
// events are best effort.
func (c *Controller) event(ctx context.Context, pod *corev1.Pod, container, typ, reason, format string, args ...any) {
	now := metav1.NewTime(time.Now())
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", pod.Name, now.UnixNano()), Namespace: pod.Namespace},
		InvolvedObject: corev1.ObjectReference{
			Kind: "Pod", APIVersion: "v1", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID,
			ResourceVersion: pod.ResourceVersion,
		},
		Reason: reason, Message: fmt.Sprintf(format, args...), Type: typ, Count: 1,
		FirstTimestamp: now, LastTimestamp: now,
		Source:              corev1.EventSource{Component: "kubelet", Host: c.cfg.NodeName},
		ReportingController: "kubelet", ReportingInstance: c.cfg.NodeName,
	}
	if container != "" {
		ev.InvolvedObject.FieldPath = fmt.Sprintf("spec.containers{%s}", container)
	}
	if _, err := client.Events(c.cfg.Client, pod.Namespace).Create(ctx, ev, metav1.CreateOptions{}); err != nil && ctx.Err() == nil {
		c.cfg.Log.DebugContext(ctx, "event not recorded", "reason", reason, "err", err)
	}
}
