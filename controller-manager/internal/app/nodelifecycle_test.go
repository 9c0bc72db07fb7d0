package app

import (
	"context"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
	"github.com/wharfhq/wharf/proto/client"
)

// startWithOptions is startControllers with option overrides.
func startWithOptions(t *testing.T, opts Options) *client.Client {
	t.Helper()
	srv := apiservertest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	opts.Kubeconfig, opts.QPS = srv.Kubeconfig, -1
	opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	go func() {
		defer close(done)
		if err := Run(ctx, opts); err != nil {
			t.Errorf("controller-manager: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return srv.Client(t)
}

// fakeKubelet registers node name as Ready and renews its Lease every
// 100ms while beating is true.
func fakeKubelet(t *testing.T, ctx context.Context, c *client.Client, name string, beating *atomic.Bool) {
	t.Helper()
	if _, err := client.Nodes(c).Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	setNodeReady(t, ctx, c, name)
	now := metav1.NewMicroTime(time.Now())
	holder, secs := name, int32(40)
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "kube-node-lease"},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &secs, RenewTime: &now}}
	if _, err := client.Leases(c, "kube-node-lease").Create(ctx, lease, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	bctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for {
			select {
			case <-bctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
			if !beating.Load() {
				continue
			}
			l, err := client.Leases(c, "kube-node-lease").Get(bctx, name, metav1.GetOptions{})
			if err != nil {
				continue
			}
			now := metav1.NewMicroTime(time.Now())
			l.Spec.RenewTime = &now
			_, _ = client.Leases(c, "kube-node-lease").Update(bctx, l, metav1.UpdateOptions{})
		}
	}()
}

func setNodeReady(t *testing.T, ctx context.Context, c *client.Client, name string) {
	t.Helper()
	eventually(t, "node Ready", func() (bool, error) {
		n, err := client.Nodes(c).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		now := metav1.Now()
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
			LastHeartbeatTime: now, LastTransitionTime: now}}
		_, err = client.Nodes(c).UpdateStatus(ctx, n, metav1.UpdateOptions{})
		return err == nil, err
	})
}

func boundPod(name, node string, tolerationSeconds *int64) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "c", Image: "x"}},
			Tolerations: []corev1.Toleration{{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists,
				Effect: corev1.TaintEffectNoExecute, TolerationSeconds: tolerationSeconds}}},
	}
}

func TestNodeWhoseLeaseStopsGetsUnknownTaintedAndEvicted(t *testing.T) {
	c := startWithOptions(t, Options{Controllers: []string{"nodelifecycle"}, NodeMonitorGracePeriod: 2 * time.Second})
	ctx := context.Background()
	var beating atomic.Bool
	beating.Store(true)
	fakeKubelet(t, ctx, c, "n1", &beating)
	one := int64(1)
	for _, p := range []*corev1.Pod{boundPod("short", "n1", &one), boundPod("forever", "n1", nil)} {
		if _, err := client.Pods(c, "default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(3 * time.Second) // longer than the grace period, with a beating lease
	n, err := client.Nodes(c).Get(ctx, "n1", metav1.GetOptions{})
	if err != nil || len(n.Spec.Taints) != 0 || n.Status.Conditions[0].Status != corev1.ConditionTrue {
		t.Fatalf("healthy node was touched: %v %+v %+v", err, n.Spec.Taints, n.Status.Conditions)
	}

	beating.Store(false)
	eventually(t, "Ready=Unknown and unreachable taints", func() (bool, error) {
		n, err := client.Nodes(c).Get(ctx, "n1", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		rc := n.Status.Conditions[0]
		noExec, noSched := false, false
		for _, t := range n.Spec.Taints {
			noExec = noExec || t.Key == "node.kubernetes.io/unreachable" && t.Effect == corev1.TaintEffectNoExecute
			noSched = noSched || t.Key == "node.kubernetes.io/unreachable" && t.Effect == corev1.TaintEffectNoSchedule
		}
		return rc.Status == corev1.ConditionUnknown && rc.Reason == "NodeStatusUnknown" && noExec && noSched, nil
	})
	eventually(t, "pod with a 1s toleration evicted", func() (bool, error) {
		p, err := client.Pods(c, "default").Get(ctx, "short", metav1.GetOptions{})
		return err != nil || p.DeletionTimestamp != nil, nil
	})
	if p, err := client.Pods(c, "default").Get(ctx, "forever", metav1.GetOptions{}); err != nil || p.DeletionTimestamp != nil {
		t.Fatalf("pod tolerating the taint forever was evicted: %v", err)
	}

	// The kubelet comes back: taints go.
	beating.Store(true)
	setNodeReady(t, ctx, c, "n1")
	eventually(t, "taints removed", func() (bool, error) {
		n, err := client.Nodes(c).Get(ctx, "n1", metav1.GetOptions{})
		return err == nil && len(n.Spec.Taints) == 0, err
	})

	// The kubelet reports NotReady: not-ready taints.
	setNodeCondition(t, ctx, c, "n1", corev1.ConditionFalse)
	eventually(t, "not-ready taints", func() (bool, error) {
		n, err := client.Nodes(c).Get(ctx, "n1", metav1.GetOptions{})
		if err != nil || len(n.Spec.Taints) != 2 {
			return false, err
		}
		for _, t := range n.Spec.Taints {
			if t.Key != "node.kubernetes.io/not-ready" {
				return false, nil
			}
		}
		return true, nil
	})
}

func setNodeCondition(t *testing.T, ctx context.Context, c *client.Client, name string, st corev1.ConditionStatus) {
	t.Helper()
	eventually(t, "node condition", func() (bool, error) {
		n, err := client.Nodes(c).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		now := metav1.Now()
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: st, Reason: "KubeletNotReady",
			LastHeartbeatTime: now, LastTransitionTime: now}}
		_, err = client.Nodes(c).UpdateStatus(ctx, n, metav1.UpdateOptions{})
		return err == nil, err
	})
}
