package apply

import (
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

func obj(t *testing.T, s string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := json.Unmarshal([]byte(s), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestApplyTwiceIsNoOpAndRemovalsRemove(t *testing.T) {
	v1 := obj(t, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":"1","b":"2"}},
		"spec":{"containers":[{"name":"c","image":"nginx","env":[{"name":"X","value":"1"}]}]}}`)
	// The live object is the first apply plus server defaults.
	first, err := WithLastApplied(v1)
	if err != nil {
		t.Fatal(err)
	}
	live := first.DeepCopy()
	unstructured.SetNestedField(live.Object, "Always", "spec", "restartPolicy")
	unstructured.SetNestedField(live.Object, "12", "metadata", "resourceVersion")

	p, _, err := Patch(&corev1.Pod{}, v1, live)
	if err != nil {
		t.Fatal(err)
	}
	if !IsEmpty(p) {
		t.Fatalf("second apply of the same file: patch %s, want {}", p)
	}

	v2 := obj(t, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":"1"}},
		"spec":{"containers":[{"name":"c","image":"nginx:2"}]}}`)
	p, _, err = Patch(&corev1.Pod{}, v2, live)
	if err != nil {
		t.Fatal(err)
	}
	liveJSON, _ := json.Marshal(live.Object)
	out, err := strategicpatch.StrategicMergePatch(liveJSON, p, &corev1.Pod{})
	if err != nil {
		t.Fatal(err)
	}
	var pod corev1.Pod
	if err := json.Unmarshal(out, &pod); err != nil {
		t.Fatal(err)
	}
	if _, ok := pod.Labels["b"]; ok {
		t.Error("label b removed from the file but still set")
	}
	if pod.Spec.Containers[0].Image != "nginx:2" || len(pod.Spec.Containers[0].Env) != 0 {
		t.Errorf("container not updated: %+v", pod.Spec.Containers[0])
	}
	if pod.Spec.RestartPolicy != "Always" {
		t.Error("server-set field restartPolicy was removed")
	}
}

func TestApplyUnknownKindUsesMergePatch(t *testing.T) {
	m := obj(t, `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":2}}`)
	live, _ := WithLastApplied(obj(t, `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":1,"color":"red"}}`))
	p, pt, err := Patch(nil, m, live)
	if err != nil {
		t.Fatal(err)
	}
	if pt != "application/merge-patch+json" {
		t.Errorf("patch type %s", pt)
	}
	var got map[string]any
	json.Unmarshal(p, &got)
	spec := got["spec"].(map[string]any)
	if spec["size"] != float64(2) || spec["color"] != nil {
		t.Errorf("patch %s", p)
	}
	if _, ok := spec["color"]; !ok {
		t.Errorf("removed field color not nulled: %s", p)
	}
}
