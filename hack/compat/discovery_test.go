package compat

import (
	"errors"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
)

func TestDiscovery(t *testing.T) {
	_, cs := start(t)
	dc := cs.Discovery()
	if v, err := dc.ServerVersion(); err != nil || v.GitVersion == "" {
		t.Fatalf("server version: %+v, %v", v, err)
	}
	groups, lists, err := dc.ServerGroupsAndResources()
	if err != nil {
		t.Fatalf("ServerGroupsAndResources: %v", err)
	}
	var groupNames []string
	for _, g := range groups {
		groupNames = append(groupNames, g.Name)
	}
	for _, want := range []string{"", "apps", "batch", "coordination.k8s.io", "discovery.k8s.io"} {
		if !slices.Contains(groupNames, want) {
			t.Errorf("groups %v lack %q", groupNames, want)
		}
	}
	found := map[string]metav1.APIResource{}
	for _, l := range lists {
		for _, r := range l.APIResources {
			found[l.GroupVersion+"/"+r.Name] = r
		}
	}
	pods, ok := found["v1/pods"]
	if !ok {
		t.Fatalf("discovery lacks v1/pods")
	}
	if !pods.Namespaced || pods.Kind != "Pod" || !slices.Contains(pods.ShortNames, "po") {
		t.Errorf("v1/pods: %+v", pods)
	}
	for _, verb := range []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"} {
		if !slices.Contains(pods.Verbs, verb) {
			t.Errorf("v1/pods verbs %v lack %s", pods.Verbs, verb)
		}
	}
	for _, want := range []string{"v1/pods/status", "v1/namespaces", "v1/nodes", "v1/services", "apps/v1/deployments", "apps/v1/deployments/status"} {
		if _, ok := found[want]; !ok {
			t.Errorf("discovery lacks %s", want)
		}
	}
	if ns, ok := found["v1/namespaces"]; ok && ns.Namespaced {
		t.Errorf("namespaces are reported namespaced")
	}
	preferred, err := dc.ServerPreferredResources()
	if err != nil {
		t.Fatalf("ServerPreferredResources: %v", err)
	}
	if len(preferred) < len(groups) {
		t.Errorf("preferred resources cover %d group versions, want >= %d", len(preferred), len(groups))
	}
}

func TestErrorPredicates(t *testing.T) {
	_, cs := start(t)
	pods := cs.CoreV1().Pods(ns)
	if _, err := pods.Get(t.Context(), "missing", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get missing: want NotFound (404), got %v", err)
	}
	orphan := newPod("x", nil)
	orphan.Namespace = "no-such-ns"
	if _, err := cs.CoreV1().Pods("no-such-ns").Create(t.Context(), orphan, metav1.CreateOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("create in missing namespace: want NotFound (404), got %v", err)
	}
	wrongNS := newPod("y", nil)
	wrongNS.Namespace = "kube-system"
	if _, err := pods.Create(t.Context(), wrongNS, metav1.CreateOptions{}); !apierrors.IsBadRequest(err) {
		t.Errorf("create with a namespace in the body that differs from the URL: want BadRequest (400), got %v", err)
	}
	createPods(t, cs, newPod("dup", nil))
	if _, err := pods.Create(t.Context(), newPod("dup", nil), metav1.CreateOptions{}); !apierrors.IsAlreadyExists(err) {
		t.Errorf("duplicate create: want AlreadyExists (409), got %v", err)
	}
	invalidField(t, pods, "bad name", newPod("Bad_Name", nil), "metadata.name")
	noContainers := newPod("empty", nil)
	noContainers.Spec.Containers = nil
	invalidField(t, pods, "no containers", noContainers, "spec.containers")
	badLabel := newPod("badlabel", map[string]string{"-no": "x"})
	invalidField(t, pods, "bad label key", badLabel, "metadata.labels")
	badPort := newPod("badport", nil)
	badPort.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 70000}}
	invalidField(t, pods, "bad port", badPort, "spec.containers[0].ports[0].containerPort")
	if _, err := pods.Get(t.Context(), "badport", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("an invalid pod was stored: get returned %v", err)
	}
}

// invalidField creates pod and expects 422 Invalid with a cause whose field
// starts with field (upstream puts keys and indexes in the path).
func invalidField(t *testing.T, pods typedcorev1.PodInterface, what string, pod *corev1.Pod, field string) {
	t.Helper()
	_, err := pods.Create(t.Context(), pod, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Errorf("%s: want Invalid (422), got %v", what, err)
		return
	}
	var st apierrors.APIStatus
	if !errors.As(err, &st) || st.Status().Details == nil {
		t.Errorf("%s: 422 without details: %v", what, err)
		return
	}
	var fields []string
	for _, c := range st.Status().Details.Causes {
		fields = append(fields, c.Field)
		if strings.HasPrefix(c.Field, field) {
			return
		}
	}
	t.Errorf("%s: causes on %v, want one on %s", what, fields, field)
}
