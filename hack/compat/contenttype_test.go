package compat

import (
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
)

// TestDefaultContentType uses a clientset with client-go's defaults, which
// ask for protobuf and fall back to JSON (Accept: protobuf,json) and send
// protobuf bodies: reads, creates, updates and deletes must all work.
func TestDefaultContentType(t *testing.T) {
	s := apiservertest.Start(t)
	cs, err := kubernetes.NewForConfig(restConfig(t, s))
	if err != nil {
		t.Fatal(err)
	}
	nss, err := cs.CoreV1().Namespaces().List(t.Context(), metav1.ListOptions{})
	if err != nil || len(nss.Items) < 4 {
		t.Fatalf("list namespaces with the default (protobuf-preferring) client: %d items, %v", len(nss.Items), err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(t.Context(), "kube-system", metav1.GetOptions{}); err != nil {
		t.Fatalf("get with the default client: %v", err)
	}
	pod, err := cs.CoreV1().Pods(ns).Create(t.Context(), newPod("proto", map[string]string{"a": "1"}), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create with client-go's default protobuf body: %v", err)
	}
	if pod.Labels["a"] != "1" || pod.Spec.Containers[0].Image != "nginx:1.27" || pod.UID == "" {
		t.Fatalf("created pod lost fields in the protobuf round trip: %+v", pod)
	}
	pod.Labels["a"] = "2"
	if pod, err = cs.CoreV1().Pods(ns).Update(t.Context(), pod, metav1.UpdateOptions{}); err != nil || pod.Labels["a"] != "2" {
		t.Fatalf("update with a protobuf body: %v", err)
	}
	grace := int64(0)
	if err := cs.CoreV1().Pods(ns).Delete(t.Context(), "proto", metav1.DeleteOptions{GracePeriodSeconds: &grace}); err != nil {
		t.Fatalf("delete with protobuf DeleteOptions: %v", err)
	}
	if _, err := cs.CoreV1().Pods(ns).Get(t.Context(), "proto", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("pod still there after delete: %v", err)
	}
}
