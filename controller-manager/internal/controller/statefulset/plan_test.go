package statefulset

import (
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func set(replicas int32, policy appsv1.PodManagementPolicyType) *appsv1.StatefulSet {
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: appsv1.StatefulSetSpec{Replicas: &replicas, PodManagementPolicy: policy, ServiceName: "nginx",
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}}}},
	}
}

func sPod(s *appsv1.StatefulSet, ord int, rev string, ok bool) *corev1.Pod {
	p := newPod(s, ord, rev)
	if ok {
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	}
	return p
}

func describe(actions []action) string {
	var out []string
	for _, a := range actions {
		if a.victim != nil {
			out = append(out, "-"+a.victim.Name)
		} else {
			out = append(out, fmt.Sprintf("+%d", a.create))
		}
	}
	return fmt.Sprint(out)
}

func TestComputePlan(t *testing.T) {
	ordered := set(3, appsv1.OrderedReadyPodManagement)
	parallel := set(3, appsv1.ParallelPodManagement)
	for _, tc := range []struct {
		name string
		set  *appsv1.StatefulSet
		pods func(s *appsv1.StatefulSet) map[int]*corev1.Pod
		want string
	}{
		{"ordered starts with 0", ordered, func(*appsv1.StatefulSet) map[int]*corev1.Pod { return nil }, "[+0]"},
		{"ordered waits for 0 to be ready", ordered, func(s *appsv1.StatefulSet) map[int]*corev1.Pod {
			return map[int]*corev1.Pod{0: sPod(s, 0, "r", false)}
		}, "[]"},
		{"ordered next", ordered, func(s *appsv1.StatefulSet) map[int]*corev1.Pod {
			return map[int]*corev1.Pod{0: sPod(s, 0, "r", true)}
		}, "[+1]"},
		{"parallel all at once", parallel, func(*appsv1.StatefulSet) map[int]*corev1.Pod { return nil }, "[+0 +1 +2]"},
		{"scale down highest first, one at a time", ordered, func(s *appsv1.StatefulSet) map[int]*corev1.Pod {
			m := map[int]*corev1.Pod{}
			for i := 0; i < 5; i++ {
				m[i] = sPod(s, i, "r", true)
			}
			return m
		}, "[-web-4]"},
		{"rolling update from the top", ordered, func(s *appsv1.StatefulSet) map[int]*corev1.Pod {
			return map[int]*corev1.Pod{0: sPod(s, 0, "old", true), 1: sPod(s, 1, "old", true), 2: sPod(s, 2, "r", true)}
		}, "[-web-1]"},
		{"failed pod replaced", ordered, func(s *appsv1.StatefulSet) map[int]*corev1.Pod {
			p := sPod(s, 0, "r", false)
			p.Status.Phase = corev1.PodFailed
			return map[int]*corev1.Pod{0: p}
		}, "[-web-0]"},
	} {
		if got := describe(computePlan(tc.set, tc.pods(tc.set), "r")); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestIdentity(t *testing.T) {
	s := set(3, "")
	p := newPod(s, 2, "rev")
	if p.Name != "web-2" || p.Spec.Hostname != "web-2" || p.Spec.Subdomain != "nginx" || p.Labels[appsv1.PodIndexLabel] != "2" ||
		p.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != "data-web-2" || newClaims(s, 2)[0].Name != "data-web-2" {
		t.Fatalf("pod %+v", p)
	}
	for name, want := range map[string]int{"web-0": 0, "web-12": 12, "web-01": -1, "web-x": -1, "other-1": -1, "web--1": -1} {
		if got := ordinalOf(s, name); got != want {
			t.Errorf("ordinalOf(%s) = %d, want %d", name, got, want)
		}
	}
}

func TestClaimRetention(t *testing.T) {
	s := set(1, "")
	if len(newClaims(s, 0)[0].OwnerReferences) != 0 {
		t.Fatal("Retain: claims must not be owned")
	}
	s.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenDeleted: appsv1.DeletePersistentVolumeClaimRetentionPolicyType}
	if refs := newClaims(s, 0)[0].OwnerReferences; len(refs) != 1 || refs[0].Kind != "StatefulSet" {
		t.Fatalf("WhenDeleted=Delete: owner refs %+v", refs)
	}
}
