package nodelifecycle

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/api"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
)

type fakeLW[T api.Object] struct{ items []T }

func (f fakeLW[T]) List(context.Context, metav1.ListOptions) (*client.List[T], error) {
	return &client.List[T]{Items: f.items, ResourceVersion: "1"}, nil
}

func (f fakeLW[T]) Watch(context.Context, metav1.ListOptions) (informer.Watcher[T], error) {
	return &silent[T]{ch: make(chan client.Event[T])}, nil
}

type silent[T api.Object] struct {
	once sync.Once
	ch   chan client.Event[T]
}

func (w *silent[T]) Events() <-chan client.Event[T] { return w.ch }
func (w *silent[T]) Stop()                          { w.once.Do(func() { close(w.ch) }) }

func started[T api.Object](t *testing.T, items ...T) *informer.Informer[T] {
	inf := informer.New[T](fakeLW[T]{items: items}, informer.Options[T]{Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go inf.Run(ctx)
	if !informer.WaitForCacheSync(ctx, inf.HasSynced) {
		t.Fatal("no sync")
	}
	return inf
}

type recorder struct{}

func (recorder) Event(api.Object, string, string, string, ...any) {}

// fakeWriter records writes and echoes objects back.
type fakeWriter struct{ actions []string }

func (f *fakeWriter) UpdateNodeStatus(_ context.Context, n *corev1.Node) (*corev1.Node, error) {
	f.actions = append(f.actions, "status Ready="+string(ReadyCondition(n).Status))
	return n, nil
}

func (f *fakeWriter) UpdateNode(_ context.Context, n *corev1.Node) (*corev1.Node, error) {
	var ts []string
	for _, t := range n.Spec.Taints {
		ts = append(ts, t.Key+":"+string(t.Effect))
	}
	f.actions = append(f.actions, fmt.Sprintf("taints %v", ts))
	return n, nil
}

func (f *fakeWriter) DeletePod(_ context.Context, p *corev1.Pod) error {
	f.actions = append(f.actions, "evict "+p.Name)
	return nil
}

func TestSyncWithFakeClock(t *testing.T) {
	start := time.Unix(10000, 0)
	renew := metav1.NewMicroTime(start)
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "n1", Namespace: LeaseNamespace},
		Spec: coordinationv1.LeaseSpec{RenewTime: &renew}}
	ten := int64(10)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"}, Spec: corev1.PodSpec{NodeName: "n1",
		Tolerations: []corev1.Toleration{{Key: TaintUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &ten}}}}
	now := start
	w := &fakeWriter{}
	c := New(Config{
		Nodes: started(t, node), Leases: started(t, lease), Pods: started(t, pod), Writer: w, Recorder: recorder{},
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }, GracePeriod: 40 * time.Second,
	})
	ctx := context.Background()
	step := func(at time.Duration, want string) {
		t.Helper()
		now = start.Add(at)
		w.actions = nil
		if err := c.sync(ctx, "n1"); err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(w.actions); got != want {
			t.Fatalf("at +%v: actions %s, want %s", at, got, want)
		}
	}
	step(0, "[]")
	step(40*time.Second, "[]") // exactly the grace period: still fine
	// The fake writer does not feed the cache, so every later sync
	// starts again from the Ready node and re-derives everything.
	step(41*time.Second, "[status Ready=Unknown taints [node.kubernetes.io/unreachable:NoSchedule node.kubernetes.io/unreachable:NoExecute]]")
	// Eviction, on the node as written at +41s: the 10s toleration of
	// the unreachable taint runs out at +51s.
	tainted := node.DeepCopy()
	tainted.Status.Conditions[0].Status = corev1.ConditionUnknown
	added := metav1.NewTime(start.Add(41 * time.Second))
	tainted.Spec.Taints = []corev1.Taint{{Key: TaintUnreachable, Effect: corev1.TaintEffectNoSchedule},
		{Key: TaintUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: &added}}
	now = start.Add(50 * time.Second)
	w.actions = nil
	if err := c.evict(ctx, tainted, now); err != nil || len(w.actions) != 0 {
		t.Fatalf("evicted before the toleration expired: %v %v", w.actions, err)
	}
	now = start.Add(51 * time.Second)
	if err := c.evict(ctx, tainted, now); err != nil || fmt.Sprint(w.actions) != "[evict p]" {
		t.Fatalf("after toleration expiry: %v %v", w.actions, err)
	}
}
