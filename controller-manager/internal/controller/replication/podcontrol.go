package replication

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/wharfhq/wharf/proto/client"
)

// PodControl is the I/O the controller does on pods.
type PodControl interface {
	CreatePod(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, error)
	DeletePod(ctx context.Context, namespace, name string) error
	// PatchPod applies a strategic merge patch.
	PatchPod(ctx context.Context, namespace, name string, patch []byte) error
}

// APIPodControl does pod I/O through the apiserver.
type APIPodControl struct{ Client *client.Client }

// CreatePod creates the pod.
func (p APIPodControl) CreatePod(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, error) {
	return client.Pods(p.Client, pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
}

// DeletePod deletes the pod (gracefully, with its own grace period).
func (p APIPodControl) DeletePod(ctx context.Context, namespace, name string) error {
	return client.Pods(p.Client, namespace).Delete(ctx, name, metav1.DeleteOptions{})
}

// PatchPod patches the pod.
func (p APIPodControl) PatchPod(ctx context.Context, namespace, name string, patch []byte) error {
	_, err := client.Pods(p.Client, namespace).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	return err
}

// newPod builds a pod from the owner's template, named owner-<random>.
func newPod(owner metav1.Object, gvkAPIVersion, kind string, tmpl *corev1.PodTemplateSpec) *corev1.Pod {
	t := true
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: owner.GetName() + "-",
			Namespace:    owner.GetNamespace(),
			Labels:       copyMap(tmpl.Labels),
			Annotations:  copyMap(tmpl.Annotations),
			Finalizers:   append([]string(nil), tmpl.Finalizers...),
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: gvkAPIVersion, Kind: kind, Name: owner.GetName(), UID: owner.GetUID(),
				Controller: &t, BlockOwnerDeletion: &t,
			}},
		},
		Spec: *tmpl.Spec.DeepCopy(),
	}
	return pod
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// adoptPatch makes owner the controller of pod (guarded by the pod's uid).
func adoptPatch(owner metav1.Object, apiVersion, kind string, podUID types.UID) []byte {
	b, _ := json.Marshal(map[string]any{"metadata": map[string]any{
		"ownerReferences": []map[string]any{{
			"apiVersion": apiVersion, "kind": kind, "name": owner.GetName(), "uid": owner.GetUID(),
			"controller": true, "blockOwnerDeletion": true,
		}},
		"uid": podUID,
	}})
	return b
}

// releasePatch removes owner's reference from pod.
func releasePatch(ownerUID, podUID types.UID) []byte {
	return []byte(fmt.Sprintf(`{"metadata":{"ownerReferences":[{"$patch":"delete","uid":%q}],"uid":%q}}`, ownerUID, podUID))
}
