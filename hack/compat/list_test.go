package compat

import (
	"fmt"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

func createPods(t *testing.T, cs kubernetes.Interface, pods ...*corev1.Pod) {
	t.Helper()
	for _, p := range pods {
		if _, err := cs.CoreV1().Pods(p.Namespace).Create(t.Context(), p, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create pod %s: %v", p.Name, err)
		}
	}
}

func TestSelectors(t *testing.T) {
	_, cs := start(t)
	bound := newPod("d", map[string]string{"app": "cache"})
	bound.Spec.NodeName = "node-1"
	createPods(t, cs,
		newPod("a", map[string]string{"app": "web", "tier": "fe"}),
		newPod("b", map[string]string{"app": "web", "tier": "be"}),
		newPod("c", map[string]string{"app": "db"}),
		bound,
	)
	cases := []struct {
		label, field string
		want         []string
	}{
		{label: "app=web", want: []string{"a", "b"}},
		{label: "app==web,tier!=be", want: []string{"a"}},
		{label: "app in (web,db),tier notin (be)", want: []string{"a", "c"}},
		{label: "tier", want: []string{"a", "b"}},
		{label: "!tier", want: []string{"c", "d"}},
		{field: "metadata.name=b", want: []string{"b"}},
		{field: "metadata.name!=b", want: []string{"a", "c", "d"}},
		{field: "metadata.namespace=default,metadata.name=c", want: []string{"c"}},
		{field: "spec.nodeName=node-1", want: []string{"d"}},
		{field: "spec.nodeName=", want: []string{"a", "b", "c"}},
		{field: "status.phase=Pending", want: []string{"a", "b", "c", "d"}},
		{label: "app=web", field: "metadata.name=a", want: []string{"a"}},
		{label: "app=nothing", want: []string{}},
	}
	for _, tc := range cases {
		l, err := cs.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{LabelSelector: tc.label, FieldSelector: tc.field})
		if err != nil {
			t.Errorf("list label=%q field=%q: %v", tc.label, tc.field, err)
			continue
		}
		if got := podNames(l); !slices.Equal(got, tc.want) {
			t.Errorf("list label=%q field=%q: got %v, want %v", tc.label, tc.field, got, tc.want)
		}
	}
	for _, bad := range []metav1.ListOptions{{LabelSelector: "app in (web"}, {FieldSelector: "spec.noSuchField=x"}} {
		_, err := cs.CoreV1().Pods(ns).List(t.Context(), bad)
		if !apierrors.IsBadRequest(err) {
			t.Errorf("list %+v: want BadRequest (400), got %v", bad, err)
		}
	}
}

func TestPagination(t *testing.T) {
	_, cs := start(t)
	const total = 23
	for i := range total {
		createPods(t, cs, newPod(fmt.Sprintf("page-%02d", i), map[string]string{"set": "paged"}))
	}
	var seen []string
	opts := metav1.ListOptions{Limit: 10, LabelSelector: "set=paged"}
	for page := 0; ; page++ {
		l, err := cs.CoreV1().Pods(ns).List(t.Context(), opts)
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		if len(l.Items) > 10 {
			t.Fatalf("page %d: %d items, limit was 10", page, len(l.Items))
		}
		seen = append(seen, podNames(l)...)
		if page == 0 {
			// Objects created after the first page must not show up in later
			// pages: continuation lists at the first page's revision.
			createPods(t, cs, newPod("page-zz-late", map[string]string{"set": "paged"}))
			if l.RemainingItemCount != nil && *l.RemainingItemCount != total-10 {
				t.Errorf("remainingItemCount = %d, want %d", *l.RemainingItemCount, total-10)
			}
		}
		if l.Continue == "" {
			break
		}
		if page > total {
			t.Fatalf("pagination does not end: continue=%q", l.Continue)
		}
		opts.Continue = l.Continue
	}
	if len(seen) != total || len(slices.Compact(slices.Sorted(slices.Values(seen)))) != total {
		t.Fatalf("paged through %d names (%v), want %d distinct", len(seen), seen, total)
	}
	if slices.Contains(seen, "page-zz-late") {
		t.Fatalf("a pod created after the first page appeared in a continuation page")
	}
	_, err := cs.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{Limit: 5, Continue: "not-a-token"})
	if !apierrors.IsBadRequest(err) {
		t.Fatalf("list with a garbage continue token: want BadRequest, got %v", err)
	}
}
