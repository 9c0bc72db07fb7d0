package client

import (
	"encoding/json"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podListJSON renders a PodList of n realistic pods as a server sends it.
func podListJSON(tb testing.TB, n int) []byte {
	tb.Helper()
	l := corev1.PodList{TypeMeta: metav1.TypeMeta{Kind: "PodList", APIVersion: "v1"}, ListMeta: metav1.ListMeta{ResourceVersion: "12345"}}
	for i := range n {
		l.Items = append(l.Items, corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{
				Name: fmt.Sprintf("web-%d", i), Namespace: "default", UID: "0b6a6b4e-5d4c-4a8e-9d0e-5f6c7b8a9d0e",
				ResourceVersion: fmt.Sprint(1000 + i), Labels: map[string]string{"app": "web", "tier": "frontend"},
				CreationTimestamp: metav1.Now(),
			},
			Spec: corev1.PodSpec{
				NodeName: "node-1",
				Containers: []corev1.Container{{
					Name: "web", Image: "registry.local/web:1.0",
					Ports: []corev1.ContainerPort{{ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi"),
					}},
				}},
			},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.244.1.5", Conditions: []corev1.PodCondition{
				{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()},
			}},
		})
	}
	b, err := json.Marshal(&l)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestListDecodeRoundTrip(t *testing.T) {
	data := podListJSON(t, 50)
	c, _ := newTestClient(t, Config{Host: "http://127.0.0.1:1"})
	l, err := Pods(c, "").decodeList(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Items) != 50 || l.ResourceVersion != "12345" || l.Items[49].Name != "web-49" ||
		l.Items[7].Spec.Containers[0].Resources.Requests.Memory().Value() != 64<<20 {
		t.Errorf("decoded list wrong: %d items, rv %s", len(l.Items), l.ResourceVersion)
	}
	if _, err := Pods(c, "").decodeList([]byte(`{"items":[null]}`)); err == nil {
		t.Error("null item accepted")
	}
}

func BenchmarkListDecode(b *testing.B) {
	data := podListJSON(b, 10000)
	c, err := New(&Config{Host: "http://127.0.0.1:1"})
	if err != nil {
		b.Fatal(err)
	}
	pods := Pods(c, "")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		l, err := pods.decodeList(data)
		if err != nil || len(l.Items) != 10000 {
			b.Fatalf("decode: %v", err)
		}
	}
}
