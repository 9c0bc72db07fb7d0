package pods

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
	"github.com/wharfhq/wharf/kubelet/internal/runtime"
	"github.com/wharfhq/wharf/kubelet/internal/staticpods"
	"github.com/wharfhq/wharf/proto/client"
)

func staticPod(t *testing.T, image string) *corev1.Pod {
	t.Helper()
	m := "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  terminationGracePeriodSeconds: 0\n  containers: [{name: a, image: " + image + "}]\n"
	p, err := staticpods.Parse([]byte(m), "/m/web.yaml", "n1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestStaticPodsFakeRuntime: static pods run without being in the API;
// their mirror pods are created, kept up to date and deleted; mirror
// pods are never run themselves nor offered for eviction; a stale mirror
// is deleted once the static pods are known.
func TestStaticPodsFakeRuntime(t *testing.T) {
	s := apiservertest.Start(t)
	c, err := client.New(&client.Config{Host: s.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := client.Nodes(c).Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := client.Pods(c, "default")
	stale := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "gone-n1", Annotations: map[string]string{staticpods.AnnotationMirror: "x", staticpods.AnnotationSource: "file"}},
		Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "a", Image: "img:1"}}}}
	if _, err := pods.Create(ctx, stale, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rt := runtime.NewFake()
	ctl := New(Config{Client: c, NodeName: "n1", RootDir: t.TempDir(), Runtime: rt, Network: &fakeNet{ips: map[string]int{}}, ResyncPeriod: 50 * time.Millisecond, StaticPods: true})
	done := make(chan error, 1)
	go func() { done <- ctl.Run(ctx) }()
	defer func() { cancel(); <-done }()
	time.Sleep(300 * time.Millisecond) // the stale mirror must survive until static pods are known
	if _, err := pods.Get(ctx, "gone-n1", metav1.GetOptions{}); err != nil {
		t.Fatalf("mirror deleted before the static pods were known: %v", err)
	}
	web := staticPod(t, "img:1")
	ctl.SetStaticPods([]*corev1.Pod{web})
	mirror := func() *corev1.Pod {
		p, err := pods.Get(ctx, "web-n1", metav1.GetOptions{})
		if err != nil {
			return &corev1.Pod{}
		}
		return p
	}
	waitFor(t, "a Running mirror", func() bool {
		m := mirror()
		return m.Status.Phase == corev1.PodRunning && m.Annotations[staticpods.AnnotationMirror] == string(web.UID) && len(m.OwnerReferences) == 1
	})
	waitFor(t, "stale mirror deleted", func() bool { _, err := pods.Get(ctx, "gone-n1", metav1.GetOptions{}); return apierrors.IsNotFound(err) })
	if all, _ := rt.ListContainers(ctx, nil); len(all) != 1 || all[0].PodUID != string(web.UID) {
		t.Errorf("containers %+v, want only the static pod's", all)
	}
	for _, p := range ctl.ActivePods() {
		if staticpods.IsMirror(p) {
			t.Errorf("mirror pod %s offered for eviction", p.Name)
		}
	}
	if got := ctl.Pods(); len(got) != 1 || got[0].UID != web.UID {
		t.Errorf("Pods() = %d pods, want the static one", len(got))
	}
	web2 := staticPod(t, "img:2")
	ctl.SetStaticPods([]*corev1.Pod{web2})
	waitFor(t, "the edited pod replacing the old one", func() bool {
		all, _ := rt.ListContainers(ctx, nil)
		return len(all) == 1 && all[0].PodUID == string(web2.UID) && mirror().Annotations[staticpods.AnnotationMirror] == string(web2.UID)
	})
	ctl.SetStaticPods(nil)
	waitFor(t, "containers and mirror gone", func() bool {
		all, _ := rt.ListContainers(ctx, nil)
		_, err := pods.Get(ctx, "web-n1", metav1.GetOptions{})
		return len(all) == 0 && apierrors.IsNotFound(err)
	})
}
