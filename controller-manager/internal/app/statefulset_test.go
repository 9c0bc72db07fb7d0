package app

import (
	"context"
	"fmt"
	"sort"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

func podNames(pods []*corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	sort.Strings(out)
	return out
}

// newStatefulSet has one claim template, "data", of 1Gi.
func newStatefulSet(name string, replicas int32) *appsv1.StatefulSet {
	labels := map[string]string{"app": name}
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: appsv1.StatefulSetSpec{
			Replicas: &replicas, ServiceName: name,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				// No volumeMount of "data": the apiserver does not yet accept
				// mounts of claim templates (upstream does).
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: name + ":v1"}}},
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
				},
			}},
		},
	}
}

func TestStatefulSetOrderedPodsWithClaims(t *testing.T) {
	c := startControllers(t, "statefulset")
	ctx := context.Background()
	set := newStatefulSet("db", 3)
	if _, err := client.StatefulSets(c, "default").Create(ctx, set, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// OrderedReady: pod i appears only after 0..i-1 are ready; the test
	// makes one pod ready per poll and checks the order.
	eventually(t, "db-0..2 in order", func() (bool, error) {
		pods, err := activePods(ctx, c, "default", "app=db")
		if err != nil {
			return false, err
		}
		names := podNames(pods)
		for i, n := range names {
			if n != fmt.Sprintf("db-%d", i) {
				t.Fatalf("pods out of order: %v", names)
			}
		}
		notReady := 0
		for _, p := range pods {
			if !podReady(p) {
				notReady++
			}
		}
		if notReady > 1 {
			t.Fatalf("OrderedReady started %d pods before their predecessors were ready", notReady)
		}
		if err := markReady(ctx, c, pods); err != nil {
			return false, err
		}
		cur, err := client.StatefulSets(c, "default").Get(ctx, "db", metav1.GetOptions{})
		return err == nil && len(pods) == 3 && cur.Status.ReadyReplicas == 3, err
	})
	p1, err := client.Pods(c, "default").Get(ctx, "db-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p1.Spec.Hostname != "db-1" || p1.Spec.Subdomain != "db" || p1.Spec.Volumes[0].PersistentVolumeClaim == nil ||
		p1.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != "data-db-1" {
		t.Fatalf("db-1 lacks its identity or claim: %+v", p1.Spec)
	}
	for i := 0; i < 3; i++ {
		if _, err := client.PersistentVolumeClaims(c, "default").Get(ctx, fmt.Sprintf("data-db-%d", i), metav1.GetOptions{}); err != nil {
			t.Fatalf("claim data-db-%d: %v", i, err)
		}
	}

	// A deleted pod comes back with the same name and claim.
	if err := client.Pods(c, "default").Delete(ctx, "db-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "db-1 recreated", func() (bool, error) {
		p, err := client.Pods(c, "default").Get(ctx, "db-1", metav1.GetOptions{})
		return err == nil && p.UID != p1.UID && p.DeletionTimestamp == nil, nil
	})

	// Scale down removes the highest ordinals; claims stay (Retain).
	eventually(t, "scale to 1", func() (bool, error) {
		cur, err := client.StatefulSets(c, "default").Get(ctx, "db", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		one := int32(1)
		cur.Spec.Replicas = &one
		_, err = client.StatefulSets(c, "default").Update(ctx, cur, metav1.UpdateOptions{})
		return err == nil, err
	})
	eventually(t, "only db-0 left", func() (bool, error) {
		pods, err := activePods(ctx, c, "default", "app=db")
		if err == nil {
			err = markReady(ctx, c, pods)
		}
		return fmt.Sprint(podNames(pods)) == "[db-0]", err
	})
	if _, err := client.PersistentVolumeClaims(c, "default").Get(ctx, "data-db-2", metav1.GetOptions{}); err != nil {
		t.Fatalf("claim of a removed ordinal must be kept: %v", err)
	}
}
