package app

import (
	"context"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
	"github.com/wharfhq/wharf/proto/client"
)

// TestTwoControllerManagersNeverBothAct runs two leader-electing
// controller-managers on one apiserver: only the Lease holder acts (no
// pod is ever created twice over), and the standby takes over when the
// leader stops.
func TestTwoControllerManagersNeverBothAct(t *testing.T) {
	srv := apiservertest.Start(t)
	opts := Options{Kubeconfig: srv.Kubeconfig, Controllers: []string{"replicationcontroller"}, QPS: -1,
		LeaderElect: true, LeaseDuration: 2 * time.Second, RenewDeadline: 1500 * time.Millisecond, RetryPeriod: 200 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)}
	ctxA, stopA := context.WithCancel(context.Background())
	ctxB, stopB := context.WithCancel(context.Background())
	doneA, doneB := make(chan error, 1), make(chan error, 1)
	go func() { doneA <- Run(ctxA, opts) }()
	go func() { doneB <- Run(ctxB, opts) }()
	t.Cleanup(func() { stopA(); stopB(); <-doneA; <-doneB })

	c := srv.Client(t)
	ctx := context.Background()
	var holder string
	eventually(t, "a leader", func() (bool, error) {
		l, err := client.Leases(c, "kube-system").Get(ctx, leaseName, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		holder = *l.Spec.HolderIdentity
		return holder != "", nil
	})

	five := int32(5)
	rc := &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: "hello", Namespace: "default"},
		Spec: corev1.ReplicationControllerSpec{Replicas: &five, Selector: map[string]string{"app": "hello"},
			Template: &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "hello"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "hello"}}}}},
	}
	if _, err := client.ReplicationControllers(c, "default").Create(ctx, rc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "5 pods", podCount(ctx, c, 5))
	time.Sleep(time.Second) // a second acting manager would over-create here
	if pods, _ := activePods(ctx, c, "default", "app=hello"); len(pods) != 5 {
		t.Fatalf("%d pods for 5 replicas: two managers acted", len(pods))
	}

	// Stop whichever is leader; the other must take over and keep healing.
	stopA()
	if err := <-doneA; err != nil {
		t.Errorf("stopped manager: %v", err)
	}
	doneA <- nil // for the cleanup's receive
	eventually(t, "a live leader after stopping one manager", func() (bool, error) {
		l, err := client.Leases(c, "kube-system").Get(ctx, leaseName, metav1.GetOptions{})
		return err == nil && l.Spec.HolderIdentity != nil && *l.Spec.HolderIdentity != "", err
	})
	pods, _ := activePods(ctx, c, "default", "app=hello")
	victim := pods[0].Name
	if err := client.Pods(c, "default").Delete(ctx, victim, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "pod replaced by the remaining manager", func() (bool, error) {
		pods, err := activePods(ctx, c, "default", "app=hello")
		if err != nil || len(pods) != 5 {
			return false, err
		}
		for _, p := range pods {
			if p.Name == victim {
				return false, nil
			}
		}
		return true, nil
	})
}
