package app

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

// startControllers runs the named controllers against a fresh apiserver
// and returns a client for the test.
func startControllers(t *testing.T, names ...string) *client.Client {
	t.Helper()
	return startWithOptions(t, Options{Controllers: names})
}

// eventually polls cond until it returns true or the test times out.
func eventually(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s (last error: %v)", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func activePods(ctx context.Context, c *client.Client, ns, selector string) ([]*corev1.Pod, error) {
	list, err := client.Pods(c, ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	var out []*corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

func podCount(ctx context.Context, c *client.Client, n int) func() (bool, error) {
	return func() (bool, error) {
		pods, err := activePods(ctx, c, "default", "app=hello")
		return len(pods) == n, err
	}
}

func TestReplicationControllerSelfHealsAndScales(t *testing.T) {
	c := startControllers(t, "replicationcontroller")
	ctx := context.Background()
	three := int32(3)
	rc := &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: "hello", Namespace: "default"},
		Spec: corev1.ReplicationControllerSpec{
			Replicas: &three,
			Selector: map[string]string{"app": "hello"},
			Template: &corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "hello"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "hello"}}},
			},
		},
	}
	rcs := client.ReplicationControllers(c, "default")
	if _, err := rcs.Create(ctx, rc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "3 pods", podCount(ctx, c, 3))
	pods, _ := activePods(ctx, c, "default", "app=hello")
	for _, p := range pods {
		ref := metav1.GetControllerOf(p)
		if ref == nil || ref.Kind != "ReplicationController" || ref.Name != "hello" {
			t.Fatalf("pod %s has no controller reference to the RC: %+v", p.Name, p.OwnerReferences)
		}
	}

	// A deleted pod is replaced.
	victim := pods[0].Name
	if err := client.Pods(c, "default").Delete(ctx, victim, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "replacement pod", func() (bool, error) {
		pods, err := activePods(ctx, c, "default", "app=hello")
		if err != nil || len(pods) != 3 {
			return false, err
		}
		for _, p := range pods {
			if p.Name == victim {
				return false, nil
			}
		}
		return true, nil
	})

	// Scale 3 → 1 → 3 → 0 by updating spec.replicas; never more than asked.
	for _, n := range []int32{1, 3, 0} {
		eventually(t, "update spec.replicas", func() (bool, error) {
			cur, err := rcs.Get(ctx, "hello", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			cur.Spec.Replicas = &n
			_, err = rcs.Update(ctx, cur, metav1.UpdateOptions{}) // retried on conflict with status writes
			return err == nil, err
		})
		eventually(t, "scaled pods", podCount(ctx, c, int(n)))
		eventually(t, "status.replicas", func() (bool, error) {
			cur, err := rcs.Get(ctx, "hello", metav1.GetOptions{})
			return err == nil && cur.Status.Replicas == n && cur.Status.ObservedGeneration == cur.Generation, err
		})
	}
}

func TestOrphanPodsAreAdoptedNotDuplicated(t *testing.T) {
	c := startControllers(t, "replicaset")
	ctx := context.Background()
	orphan := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "orphan", Namespace: "default", Labels: map[string]string{"app": "hello"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "hello"}}},
	}
	if _, err := client.Pods(c, "default").Create(ctx, orphan, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rs := newReplicaSet("hello", 2)
	if _, err := client.ReplicaSets(c, "default").Create(ctx, rs, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "2 pods including the adopted orphan", func() (bool, error) {
		pods, err := activePods(ctx, c, "default", "app=hello")
		if err != nil || len(pods) != 2 {
			return false, err
		}
		adopted, _ := client.Pods(c, "default").Get(ctx, "orphan", metav1.GetOptions{})
		ref := metav1.GetControllerOf(adopted)
		return ref != nil && ref.Kind == "ReplicaSet", nil
	})
	time.Sleep(500 * time.Millisecond)
	if pods, _ := activePods(ctx, c, "default", "app=hello"); len(pods) != 2 {
		t.Fatalf("over-created: %d pods", len(pods))
	}
}
