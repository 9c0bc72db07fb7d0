package resources

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func testLists() []*metav1.APIResourceList {
	return []*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{
			{Name: "pods", SingularName: "pod", Kind: "Pod", Namespaced: true, ShortNames: []string{"po"}, Categories: []string{"all"}},
			{Name: "pods/status", Kind: "Pod"},
			{Name: "nodes", SingularName: "node", Kind: "Node", ShortNames: []string{"no"}},
			{Name: "events", SingularName: "event", Kind: "Event", Namespaced: true, ShortNames: []string{"ev"}},
		}},
		{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{
			{Name: "deployments", SingularName: "deployment", Kind: "Deployment", Namespaced: true, ShortNames: []string{"deploy"}, Categories: []string{"all"}},
		}},
		{GroupVersion: "events.k8s.io/v1", APIResources: []metav1.APIResource{
			{Name: "events", SingularName: "event", Kind: "Event", Namespaced: true, ShortNames: []string{"ev"}},
		}},
	}
}

func TestResolve(t *testing.T) {
	s, err := NewSet(testLists())
	if err != nil {
		t.Fatal(err)
	}
	for arg, want := range map[string]string{
		"po": "v1/pods", "Pods": "v1/pods", "pod": "v1/pods", "POD": "v1/pods",
		"minions": "v1/nodes", "deploy": "apps/v1/deployments", "deployments.apps": "apps/v1/deployments",
		"Deployment": "apps/v1/deployments", "ev": "v1/events", "events.events.k8s.io": "events.k8s.io/v1/events",
	} {
		r, err := s.Resolve(arg)
		if err != nil {
			t.Errorf("%s: %v", arg, err)
			continue
		}
		if got := r.GroupVersion.String() + "/" + r.Name; got != want {
			t.Errorf("%s: got %s want %s", arg, got, want)
		}
	}
	if _, err := s.Resolve("pods/status"); err == nil {
		t.Error("subresource resolved")
	}
	if _, err := s.Resolve("bogus"); err == nil || err.Error() != `the server doesn't have a resource type "bogus"` {
		t.Errorf("bogus: %v", err)
	}
	if n := len(s.Category("all")); n != 2 {
		t.Errorf("category all: %d", n)
	}
}

func TestCache(t *testing.T) {
	now := time.Unix(1000, 0)
	c := &Cache{Dir: t.TempDir(), TTL: time.Minute, Now: func() time.Time { return now }}
	calls := 0
	fetch := func(context.Context) ([]*metav1.APIResourceList, error) { calls++; return testLists(), nil }
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if _, err := c.Load(ctx, "https://127.0.0.1:6443", fetch, false); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 1 {
		t.Fatalf("fetched %d times, want 1 (second load from cache)", calls)
	}
	now = now.Add(2 * time.Minute)
	if _, err := c.Load(ctx, "https://127.0.0.1:6443", fetch, false); err != nil || calls != 2 {
		t.Fatalf("stale cache not refetched: calls=%d err=%v", calls, err)
	}
	if _, err := c.Load(ctx, "https://127.0.0.1:6443", fetch, true); err != nil || calls != 3 {
		t.Fatalf("refresh not honoured: calls=%d", calls)
	}
}
