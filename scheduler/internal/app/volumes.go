package app

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/scheduler/internal/state"
)

// Upstream VolumeBinding reason for claims that are not bound yet.
const msgUnboundPVC = "pod has unbound immediate PersistentVolumeClaims"

// volumeConstraint resolves the pod's PVCs to their PVs' node affinity.
func (s *scheduler) volumeConstraint(pod *corev1.Pod) state.VolumeConstraint {
	var vc state.VolumeConstraint
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim == nil {
			continue
		}
		name := v.PersistentVolumeClaim.ClaimName
		pvc, ok := s.pvcs.Lister().Get(pod.Namespace, name)
		if !ok {
			vc.Problem = fmt.Sprintf("persistentvolumeclaim %q not found", name)
			return vc
		}
		if pvc.Spec.VolumeName == "" {
			vc.Problem = msgUnboundPVC
			return vc
		}
		pv, ok := s.pvs.Lister().Get("", pvc.Spec.VolumeName)
		if !ok {
			vc.Problem = fmt.Sprintf("persistentvolume %q not found", pvc.Spec.VolumeName)
			return vc
		}
		if pv.Spec.NodeAffinity == nil || pv.Spec.NodeAffinity.Required == nil {
			continue
		}
		sel, err := state.CompileNodeSelector(pv.Spec.NodeAffinity.Required)
		if err != nil {
			vc.Problem = fmt.Sprintf("persistentvolume %q has invalid node affinity: %v", pv.Name, err)
			return vc
		}
		vc.NodeAffinity = append(vc.NodeAffinity, sel)
	}
	return vc
}
