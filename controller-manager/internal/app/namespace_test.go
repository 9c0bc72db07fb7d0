package app

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

func TestDeletingNamespaceRemovesEverythingInIt(t *testing.T) {
	c := startControllers(t, "namespace", "serviceaccount")
	ctx := context.Background()
	if _, err := client.Namespaces(c).Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "doomed"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "default service account", func() (bool, error) {
		_, err := client.ServiceAccounts(c, "doomed").Get(ctx, "default", metav1.GetOptions{})
		return err == nil, err
	})
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "doomed"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}}}
	if _, err := client.Pods(c, "doomed").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "doomed"}}
	if _, err := client.ConfigMaps(c, "doomed").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rs := newReplicaSet("web", 0)
	rs.Namespace = "doomed"
	if _, err := client.ReplicaSets(c, "doomed").Create(ctx, rs, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A finalizer holds the secret back until the test lets it go.
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "held", Namespace: "doomed", Finalizers: []string{"example.com/hold"}}}
	if _, err := client.Secrets(c, "doomed").Create(ctx, sec, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	if err := client.Namespaces(c).Delete(ctx, "doomed", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "content deleted and conditions reporting the held secret", func() (bool, error) {
		ns, err := client.Namespaces(c).Get(ctx, "doomed", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		remaining := false
		for _, cond := range ns.Status.Conditions {
			if cond.Type == corev1.NamespaceFinalizersRemaining && cond.Status == corev1.ConditionTrue {
				remaining = true
			}
		}
		pods, err := client.Pods(c, "doomed").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		return remaining && len(pods.Items) == 0, nil
	})
	if _, err := client.Namespaces(c).Get(ctx, "doomed", metav1.GetOptions{}); err != nil {
		t.Fatalf("namespace went away while a finalizer held content: %v", err)
	}
	eventually(t, "finalizer released", func() (bool, error) {
		s, err := client.Secrets(c, "doomed").Get(ctx, "held", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		s.Finalizers = nil
		_, err = client.Secrets(c, "doomed").Update(ctx, s, metav1.UpdateOptions{})
		return err == nil, err
	})
	eventually(t, "namespace gone", func() (bool, error) {
		_, err := client.Namespaces(c).Get(ctx, "doomed", metav1.GetOptions{})
		return err != nil, nil
	})
	for _, check := range []func() error{
		func() error { _, err := client.ConfigMaps(c, "doomed").Get(ctx, "cm", metav1.GetOptions{}); return err },
		func() error {
			_, err := client.ReplicaSets(c, "doomed").Get(ctx, "web", metav1.GetOptions{})
			return err
		},
		func() error {
			_, err := client.ServiceAccounts(c, "doomed").Get(ctx, "default", metav1.GetOptions{})
			return err
		},
	} {
		if err := check(); err == nil {
			t.Errorf("object survived its namespace")
		}
	}
}

func TestDefaultServiceAccountIsRecreated(t *testing.T) {
	c := startControllers(t, "serviceaccount")
	ctx := context.Background()
	var uid string
	eventually(t, "default/default service account", func() (bool, error) {
		sa, err := client.ServiceAccounts(c, "default").Get(ctx, "default", metav1.GetOptions{})
		if err == nil {
			uid = string(sa.UID)
		}
		return err == nil, err
	})
	if err := client.ServiceAccounts(c, "default").Delete(ctx, "default", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "recreated service account", func() (bool, error) {
		sa, err := client.ServiceAccounts(c, "default").Get(ctx, "default", metav1.GetOptions{})
		return err == nil && string(sa.UID) != uid, err
	})
}
