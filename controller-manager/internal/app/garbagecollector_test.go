package app

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

// startReplicaSet creates a ReplicaSet of n pods and waits for them.
func startReplicaSet(t *testing.T, ctx context.Context, c *client.Client, name string, n int32) {
	t.Helper()
	if _, err := client.ReplicaSets(c, "default").Create(ctx, newReplicaSet(name, n), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "pods of "+name, func() (bool, error) {
		pods, err := activePods(ctx, c, "default", "app="+name)
		return len(pods) == int(n), err
	})
}

func deleteWith(t *testing.T, ctx context.Context, c *client.Client, name string, policy metav1.DeletionPropagation) {
	t.Helper()
	if err := client.ReplicaSets(c, "default").Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
		t.Fatal(err)
	}
}

func allPods(ctx context.Context, c *client.Client, name string) func() ([]*corev1.Pod, error) {
	return func() ([]*corev1.Pod, error) {
		l, err := client.Pods(c, "default").List(ctx, metav1.ListOptions{LabelSelector: "app=" + name})
		if err != nil {
			return nil, err
		}
		return l.Items, nil
	}
}

func TestGarbageCollectorBackgroundDeletion(t *testing.T) {
	c := startControllers(t, "replicaset", "garbagecollector")
	ctx := context.Background()
	startReplicaSet(t, ctx, c, "bg", 3)
	deleteWith(t, ctx, c, "bg", metav1.DeletePropagationBackground)
	eventually(t, "dependents deleted", func() (bool, error) {
		pods, err := allPods(ctx, c, "bg")()
		return len(pods) == 0, err
	})
}

func TestGarbageCollectorForegroundDeletion(t *testing.T) {
	c := startControllers(t, "replicaset", "garbagecollector")
	ctx := context.Background()
	startReplicaSet(t, ctx, c, "fg", 3)
	// A finalizer on one pod keeps a blocking dependent around, so the
	// owner must still exist, marked for deletion, while it is there.
	pods, _ := activePods(ctx, c, "default", "app=fg")
	held := pods[0].Name
	eventually(t, "hold a pod", func() (bool, error) {
		p, err := client.Pods(c, "default").Get(ctx, held, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		p.Finalizers = append(p.Finalizers, "example.com/hold")
		_, err = client.Pods(c, "default").Update(ctx, p, metav1.UpdateOptions{})
		return err == nil, err
	})
	deleteWith(t, ctx, c, "fg", metav1.DeletePropagationForeground)
	eventually(t, "other dependents deleted first", func() (bool, error) {
		pods, err := allPods(ctx, c, "fg")()
		return len(pods) == 1 && pods[0].DeletionTimestamp != nil, err
	})
	rs, err := client.ReplicaSets(c, "default").Get(ctx, "fg", metav1.GetOptions{})
	if err != nil || rs.DeletionTimestamp == nil {
		t.Fatalf("owner should wait for its blocking dependent: %v %+v", err, rs)
	}
	eventually(t, "release the pod", func() (bool, error) {
		p, err := client.Pods(c, "default").Get(ctx, held, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		p.Finalizers = nil
		_, err = client.Pods(c, "default").Update(ctx, p, metav1.UpdateOptions{})
		return err == nil, err
	})
	eventually(t, "owner deleted after its dependents", func() (bool, error) {
		_, err := client.ReplicaSets(c, "default").Get(ctx, "fg", metav1.GetOptions{})
		return err != nil, nil
	})
}

func TestGarbageCollectorOrphaning(t *testing.T) {
	c := startControllers(t, "replicaset", "garbagecollector")
	ctx := context.Background()
	startReplicaSet(t, ctx, c, "or", 2)
	deleteWith(t, ctx, c, "or", metav1.DeletePropagationOrphan)
	eventually(t, "owner gone", func() (bool, error) {
		_, err := client.ReplicaSets(c, "default").Get(ctx, "or", metav1.GetOptions{})
		return err != nil, nil
	})
	time.Sleep(300 * time.Millisecond) // give a wrong cascade a chance to show
	pods, err := allPods(ctx, c, "or")()
	if err != nil || len(pods) != 2 {
		t.Fatalf("orphans: %d pods, err %v; want 2", len(pods), err)
	}
	for _, p := range pods {
		if len(p.OwnerReferences) != 0 || p.DeletionTimestamp != nil {
			t.Errorf("pod %s still owned or deleting: %+v", p.Name, p.OwnerReferences)
		}
	}
}

func TestGarbageCollectorHandMadeOwnerReferences(t *testing.T) {
	c := startControllers(t, "garbagecollector")
	ctx := context.Background()
	a, err := client.ConfigMaps(c, "default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner-a"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := client.ConfigMaps(c, "default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner-b"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref := func(o *corev1.ConfigMap) metav1.OwnerReference {
		return metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: o.Name, UID: o.UID}
	}
	two := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "two-owners", OwnerReferences: []metav1.OwnerReference{ref(a), ref(b)}}}
	if _, err := client.Secrets(c, "default").Create(ctx, two, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A dependent of a never-existing owner is collected.
	ghost := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "ghost-owned",
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "ghost", UID: "no-such-uid"}}}}
	if _, err := client.Secrets(c, "default").Create(ctx, ghost, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "ghost-owned collected", func() (bool, error) {
		_, err := client.Secrets(c, "default").Get(ctx, "ghost-owned", metav1.GetOptions{})
		return err != nil, nil
	})
	if err := client.ConfigMaps(c, "default").Delete(ctx, "owner-a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "reference to the deleted owner dropped", func() (bool, error) {
		s, err := client.Secrets(c, "default").Get(ctx, "two-owners", metav1.GetOptions{})
		return err == nil && len(s.OwnerReferences) == 1 && s.OwnerReferences[0].UID == b.UID, err
	})
	if err := client.ConfigMaps(c, "default").Delete(ctx, "owner-b", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "dependent of two deleted owners collected", func() (bool, error) {
		_, err := client.Secrets(c, "default").Get(ctx, "two-owners", metav1.GetOptions{})
		return err != nil, nil
	})
}

func TestDeletingDeploymentRemovesReplicaSetsAndPods(t *testing.T) {
	c := startControllers(t, "deployment", "replicaset", "garbagecollector")
	ctx := context.Background()
	two := int32(2)
	labels := map[string]string{"app": "dep"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "dep", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &two,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "dep"}}},
			},
		},
	}
	if _, err := client.Deployments(c, "default").Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "deployment's pods", func() (bool, error) {
		pods, err := activePods(ctx, c, "default", "app=dep")
		return len(pods) == 2, err
	})
	if err := client.Deployments(c, "default").Delete(ctx, "dep", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "replica sets and pods gone", func() (bool, error) {
		rss, err := client.ReplicaSets(c, "default").List(ctx, metav1.ListOptions{LabelSelector: "app=dep"})
		if err != nil {
			return false, err
		}
		pods, err := allPods(ctx, c, "dep")()
		return len(rss.Items) == 0 && len(pods) == 0, err
	})
}
