package server

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/wharfhq/wharf/proto/api"
)

// TestLazyFieldsAgreeWithObjectFields: matching through lazyFields gives
// the answers of the full field set for every selector shape.
func TestLazyFieldsAgreeWithObjectFields(t *testing.T) {
	pods, _ := infoOf(&corev1.Pod{})
	nodes, _ := infoOf(&corev1.Node{})
	objs := []struct {
		info *api.Info
		obj  api.Object
	}{
		{pods, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "default"}, Spec: corev1.PodSpec{NodeName: "n1"}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}},
		{pods, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: "kube-system"}}},
		{nodes, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Spec: corev1.NodeSpec{Unschedulable: true}}},
	}
	sels := map[*api.Info][]string{
		pods: {"spec.nodeName=n1", "spec.nodeName!=n1", "spec.nodeName=", "metadata.name=a", "metadata.namespace=kube-system",
			"spec.nodeName=n1,status.phase=Running", "status.phase!=Running", "metadata.namespace!=default,spec.nodeName="},
		nodes: {"metadata.name=n1", "metadata.name!=n1", "spec.unschedulable=true", "metadata.name=n1,spec.unschedulable=false"},
	}
	for _, o := range objs {
		for _, raw := range sels[o.info] {
			sel, err := parseSelector(o.info, "", raw)
			if err != nil {
				t.Fatalf("%s: %v", raw, err)
			}
			fs, _ := fields.ParseSelector(raw)
			want := fs.Matches(fields.Set(o.info.ObjectFields(o.obj)))
			if got := sel.matches(o.obj); got != want {
				t.Errorf("%s %s on %s: matches %v, want %v", o.info.Resource, raw, o.obj.GetName(), got, want)
			}
		}
	}
}

// BenchmarkNodeNameSelector is one replayed pod event tested against a
// kubelet's watch of another node.
func BenchmarkNodeNameSelector(b *testing.B) {
	pods, _ := infoOf(&corev1.Pod{})
	sel, err := parseSelector(pods, "", "spec.nodeName=n2")
	if err != nil {
		b.Fatal(err)
	}
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "default"}, Spec: corev1.PodSpec{NodeName: "n1"}}
	for b.Loop() {
		if sel.matches(p) {
			b.Fatal("matched")
		}
	}
}
