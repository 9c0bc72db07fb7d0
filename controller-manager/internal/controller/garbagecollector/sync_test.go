package garbagecollector

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/wharfhq/wharf/proto/api"
	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
)

// fakeLW serves a fixed list and a watch that stays silent.
type fakeLW struct{ items []*unstructured.Unstructured }

func (f fakeLW) List(context.Context, metav1.ListOptions) (*client.List[*unstructured.Unstructured], error) {
	return &client.List[*unstructured.Unstructured]{Items: f.items, ResourceVersion: "1"}, nil
}

func (f fakeLW) Watch(ctx context.Context, _ metav1.ListOptions) (informer.Watcher[*unstructured.Unstructured], error) {
	return &silentWatch{ch: make(chan client.Event[*unstructured.Unstructured])}, nil
}

type silentWatch struct {
	once sync.Once
	ch   chan client.Event[*unstructured.Unstructured]
}

func (w *silentWatch) Events() <-chan client.Event[*unstructured.Unstructured] { return w.ch }
func (w *silentWatch) Stop()                                                   { w.once.Do(func() { close(w.ch) }) }

// fakeClient serves the same objects live and records writes.
type fakeClient struct {
	mu      sync.Mutex
	objs    map[string]*unstructured.Unstructured // resource/ns/name
	actions []string
}

func key(resource, ns, name string) string { return resource + "/" + ns + "/" + name }

func (f *fakeClient) Get(_ context.Context, info *api.Info, ns, name string) (*unstructured.Unstructured, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.objs[key(info.Resource, ns, name)]
	if !ok {
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: info.Resource}, name)
	}
	return o.DeepCopy(), nil
}

func (f *fakeClient) Update(_ context.Context, info *api.Info, obj *unstructured.Unstructured) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var uids []string
	for _, r := range obj.GetOwnerReferences() {
		uids = append(uids, string(r.UID))
	}
	f.actions = append(f.actions, fmt.Sprintf("update %s/%s owners=%v finalizers=%v", info.Resource, obj.GetName(), uids, obj.GetFinalizers()))
	return nil
}

func (f *fakeClient) Delete(_ context.Context, info *api.Info, ns, name string, opts metav1.DeleteOptions) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actions = append(f.actions, fmt.Sprintf("delete %s/%s %s", info.Resource, name, *opts.PropagationPolicy))
	return nil
}

func (f *fakeClient) recorded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := append([]string(nil), f.actions...)
	sort.Strings(out)
	f.actions = nil
	return out
}

func obj(apiVersion, kind, name, uid string, mutate ...func(*unstructured.Unstructured)) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	u.SetNamespace("ns")
	u.SetName(name)
	u.SetUID(types.UID(uid))
	u.SetResourceVersion("1")
	for _, m := range mutate {
		m(u)
	}
	return u
}

func ownedBy(owner *unstructured.Unstructured, block bool) func(*unstructured.Unstructured) {
	return func(u *unstructured.Unstructured) {
		u.SetOwnerReferences(append(u.GetOwnerReferences(), metav1.OwnerReference{
			APIVersion: owner.GetAPIVersion(), Kind: owner.GetKind(), Name: owner.GetName(), UID: owner.GetUID(), BlockOwnerDeletion: &block,
		}))
	}
}

func deleting(finalizers ...string) func(*unstructured.Unstructured) {
	return func(u *unstructured.Unstructured) {
		now := metav1.Now()
		u.SetDeletionTimestamp(&now)
		u.SetFinalizers(finalizers)
	}
}

// startFake runs a collector over objs; resources are taken from kinds.
func startFake(t *testing.T, objs ...*unstructured.Unstructured) (*Controller, *fakeClient) {
	t.Helper()
	byRes := map[string][]*unstructured.Unstructured{}
	fc := &fakeClient{objs: map[string]*unstructured.Unstructured{}}
	for _, o := range objs {
		info, ok := api.LookupKind(o.GetAPIVersion(), o.GetKind())
		if !ok {
			t.Fatalf("unknown kind %s", o.GetKind())
		}
		byRes[info.Resource] = append(byRes[info.Resource], o)
		fc.objs[key(info.Resource, o.GetNamespace(), o.GetName())] = o
	}
	src := func(info *api.Info) informer.ListerWatcher[*unstructured.Unstructured] {
		return fakeLW{items: byRes[info.Resource]}
	}
	c := New(Config{Source: src, Client: fc, Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	for _, ch := range c.graph.byResource {
		go ch.inf.Run(ctx)
	}
	if !informer.WaitForCacheSync(ctx, c.graph.synced()...) {
		t.Fatal("caches did not sync")
	}
	return c, fc
}

func TestSyncForegroundWaitsForBlockingDependents(t *testing.T) {
	rs := obj("apps/v1", "ReplicaSet", "rs", "rs-uid", deleting(FinalizerForeground))
	a := obj("v1", "Pod", "a", "a-uid", ownedBy(rs, true))
	b := obj("v1", "Pod", "b", "b-uid", ownedBy(rs, false))
	c, fc := startFake(t, rs, a, b)
	ctx := context.Background()
	if err := c.sync(ctx, Item{Resource: "replicasets", Namespace: "ns", Name: "rs"}); err != nil {
		t.Fatal(err)
	}
	if got := fc.recorded(); len(got) != 0 {
		t.Fatalf("owner with a blocking dependent: actions %v, want none", got)
	}
	if err := c.sync(ctx, Item{Resource: "pods", Namespace: "ns", Name: "a"}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(fc.recorded()); got != "[delete pods/a Foreground]" {
		t.Fatalf("dependent of a waiting owner: %s", got)
	}
}

func TestSyncForegroundFinishesWithoutBlockingDependents(t *testing.T) {
	rs := obj("apps/v1", "ReplicaSet", "rs", "rs-uid", deleting(FinalizerForeground, "other"))
	b := obj("v1", "Pod", "b", "b-uid", ownedBy(rs, false))
	c, fc := startFake(t, rs, b)
	if err := c.sync(context.Background(), Item{Resource: "replicasets", Namespace: "ns", Name: "rs"}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(fc.recorded()); got != "[update replicasets/rs owners=[] finalizers=[other]]" {
		t.Fatalf("actions %s", got)
	}
}

func TestSyncOrphan(t *testing.T) {
	rs := obj("apps/v1", "ReplicaSet", "rs", "rs-uid", deleting(FinalizerOrphan))
	other := obj("v1", "ConfigMap", "cm", "cm-uid")
	a := obj("v1", "Pod", "a", "a-uid", ownedBy(rs, true), ownedBy(other, false))
	c, fc := startFake(t, rs, other, a)
	if err := c.sync(context.Background(), Item{Resource: "replicasets", Namespace: "ns", Name: "rs"}); err != nil {
		t.Fatal(err)
	}
	want := "[update pods/a owners=[cm-uid] finalizers=[] update replicasets/rs owners=[] finalizers=[]]"
	if got := fmt.Sprint(fc.recorded()); got != want {
		t.Fatalf("actions %s\nwant    %s", got, want)
	}
}

func TestSyncCollectsOrphanedDependentAfterLiveCheck(t *testing.T) {
	gone := obj("apps/v1", "ReplicaSet", "gone", "gone-uid")
	a := obj("v1", "Pod", "a", "a-uid", ownedBy(gone, true))
	// The owner is in neither the cache nor the "apiserver".
	c, fc := startFake(t, a)
	if err := c.sync(context.Background(), Item{Resource: "pods", Namespace: "ns", Name: "a"}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(fc.recorded()); got != "[delete pods/a Background]" {
		t.Fatalf("actions %s", got)
	}
	// An owner missing from the cache but present live keeps its dependent.
	owner := obj("apps/v1", "ReplicaSet", "live", "live-uid")
	b := obj("v1", "Pod", "b", "b-uid", ownedBy(owner, true))
	c2, fc2 := startFake(t, b)
	fc2.objs[key("replicasets", "ns", "live")] = owner
	if err := c2.sync(context.Background(), Item{Resource: "pods", Namespace: "ns", Name: "b"}); err != nil {
		t.Fatal(err)
	}
	if got := fc2.recorded(); len(got) != 0 {
		t.Fatalf("dependent of a live owner touched: %v", got)
	}
}
