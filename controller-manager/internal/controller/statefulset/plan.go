package statefulset

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
)

// revisionOf names the template version: <set>-<hash of the template>.
func revisionOf(set *appsv1.StatefulSet) string {
	b, _ := json.Marshal(set.Spec.Template) // a k8s.io/api struct always marshals
	h := fnv.New32a()
	h.Write(b)
	return set.Name + "-" + rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// ordinalOf parses <set>-<ordinal>; -1 when name is not of that form.
func ordinalOf(set *appsv1.StatefulSet, name string) int {
	rest, ok := strings.CutPrefix(name, set.Name+"-")
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || strconv.Itoa(n) != rest {
		return -1
	}
	return n
}

func replicasOf(set *appsv1.StatefulSet) int {
	if set.Spec.Replicas == nil {
		return 1
	}
	return int(*set.Spec.Replicas)
}

func healthy(p *corev1.Pod) bool {
	if p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func finished(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded
}

// action is one pod write: create ordinal, or delete pod.
type action struct {
	create  int // ordinal to create; -1 for a delete
	victim  *corev1.Pod
	explain string
}

// computePlan returns the next pod writes. With OrderedReady it stops at
// the first ordinal that is missing or unhealthy, so at most one write
// happens per sync; with Parallel every missing pod is created and every
// condemned pod deleted at once.
func computePlan(set *appsv1.StatefulSet, pods map[int]*corev1.Pod, rev string) []action {
	parallel := set.Spec.PodManagementPolicy == appsv1.ParallelPodManagement
	n := replicasOf(set)
	var out []action
	for i := 0; i < n; i++ {
		p := pods[i]
		switch {
		case p == nil:
			out = append(out, action{create: i, explain: "missing"})
		case finished(p) && p.DeletionTimestamp == nil:
			out = append(out, action{create: -1, victim: p, explain: "finished"})
		case healthy(p):
			continue
		}
		if !parallel {
			return out
		}
	}
	var condemned []*corev1.Pod
	for ord, p := range pods {
		if ord >= n {
			condemned = append(condemned, p)
		}
	}
	sortByOrdinalDesc(set, condemned)
	for _, p := range condemned {
		if p.DeletionTimestamp == nil {
			out = append(out, action{create: -1, victim: p, explain: "scale down"})
		}
		if !parallel {
			return out
		}
	}
	if len(out) > 0 || set.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType {
		return out
	}
	return rollingUpdate(set, pods, rev)
}

// rollingUpdate deletes the highest-ordinal pod of an old revision at or
// above the partition (it is recreated from the new template), once every
// pod is healthy.
func rollingUpdate(set *appsv1.StatefulSet, pods map[int]*corev1.Pod, rev string) []action {
	partition := 0
	if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		partition = int(*ru.Partition)
	}
	for i := replicasOf(set) - 1; i >= partition; i-- {
		p := pods[i]
		if p == nil || !healthy(p) {
			return nil
		}
		if p.Labels[appsv1.ControllerRevisionHashLabelKey] != rev {
			return []action{{create: -1, victim: p, explain: "update"}}
		}
	}
	return nil
}

func sortByOrdinalDesc(set *appsv1.StatefulSet, pods []*corev1.Pod) {
	for i := 1; i < len(pods); i++ {
		for j := i; j > 0 && ordinalOf(set, pods[j].Name) > ordinalOf(set, pods[j-1].Name); j-- {
			pods[j], pods[j-1] = pods[j-1], pods[j]
		}
	}
}

// claimName is the PVC of template claim for ordinal.
func claimName(set *appsv1.StatefulSet, claim string, ordinal int) string {
	return fmt.Sprintf("%s-%s-%d", claim, set.Name, ordinal)
}

// newClaims are the PVCs pod ordinal needs. With the WhenDeleted=Delete
// retention policy they are owned by the set; WhenScaled is not applied
// (claims of removed ordinals are kept, i.e. Retain).
func newClaims(set *appsv1.StatefulSet, ordinal int) []*corev1.PersistentVolumeClaim {
	var out []*corev1.PersistentVolumeClaim
	for _, t := range set.Spec.VolumeClaimTemplates {
		pvc := t.DeepCopy()
		pvc.ObjectMeta = metav1.ObjectMeta{
			Name: claimName(set, t.Name, ordinal), Namespace: set.Namespace,
			Labels: map[string]string{}, Annotations: t.Annotations,
		}
		for k, v := range t.Labels {
			pvc.Labels[k] = v
		}
		if set.Spec.Selector != nil {
			for k, v := range set.Spec.Selector.MatchLabels {
				pvc.Labels[k] = v
			}
		}
		pvc.Status = corev1.PersistentVolumeClaimStatus{}
		if rp := set.Spec.PersistentVolumeClaimRetentionPolicy; rp != nil && rp.WhenDeleted == appsv1.DeletePersistentVolumeClaimRetentionPolicyType {
			// Owned (not controlled) by the set: the garbage collector
			// removes the claim with it.
			pvc.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "StatefulSet", Name: set.Name, UID: set.UID}}
		}
		out = append(out, pvc)
	}
	return out
}

// newPod builds pod ordinal: stable name, hostname and subdomain, identity
// labels, and its claims mounted in place of the templates' volumes.
func newPod(set *appsv1.StatefulSet, ordinal int, rev string) *corev1.Pod {
	tmpl := set.Spec.Template.DeepCopy()
	name := fmt.Sprintf("%s-%d", set.Name, ordinal)
	lbls := map[string]string{}
	for k, v := range tmpl.Labels {
		lbls[k] = v
	}
	lbls[appsv1.StatefulSetPodNameLabel] = name
	lbls[appsv1.PodIndexLabel] = strconv.Itoa(ordinal)
	lbls[appsv1.ControllerRevisionHashLabelKey] = rev
	t := true
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: set.Namespace, Labels: lbls, Annotations: tmpl.Annotations,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "StatefulSet", Name: set.Name, UID: set.UID, Controller: &t, BlockOwnerDeletion: &t,
			}},
		},
		Spec: tmpl.Spec,
	}
	pod.Spec.Hostname, pod.Spec.Subdomain = name, set.Spec.ServiceName
	for _, t := range set.Spec.VolumeClaimTemplates {
		vol := corev1.Volume{Name: t.Name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claimName(set, t.Name, ordinal)},
		}}
		replaced := false
		for i := range pod.Spec.Volumes {
			if pod.Spec.Volumes[i].Name == t.Name {
				pod.Spec.Volumes[i], replaced = vol, true
			}
		}
		if !replaced {
			pod.Spec.Volumes = append(pod.Spec.Volumes, vol)
		}
	}
	return pod
}

// computeStatus counts the set's pods.
func computeStatus(set *appsv1.StatefulSet, pods map[int]*corev1.Pod, rev string) appsv1.StatefulSetStatus {
	st := appsv1.StatefulSetStatus{
		ObservedGeneration: set.Generation, UpdateRevision: rev, CurrentRevision: set.Status.CurrentRevision,
		CollisionCount: set.Status.CollisionCount, Conditions: set.Status.Conditions,
	}
	for _, p := range pods {
		if p.DeletionTimestamp != nil || finished(p) {
			continue
		}
		st.Replicas++
		if healthy(p) {
			st.ReadyReplicas++
			st.AvailableReplicas++
		}
		if p.Labels[appsv1.ControllerRevisionHashLabelKey] == rev {
			st.UpdatedReplicas++
		} else {
			st.CurrentReplicas++
		}
	}
	if st.CurrentRevision == "" || (st.UpdatedReplicas == int32(replicasOf(set)) && st.ReadyReplicas == st.UpdatedReplicas) {
		st.CurrentRevision = rev
	}
	if st.CurrentRevision == rev {
		st.CurrentReplicas = st.UpdatedReplicas
	}
	return st
}
