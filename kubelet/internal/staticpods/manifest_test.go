package staticpods

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

const webYAML = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  hostNetwork: true
  containers:
  - name: c
    image: busybox
    ports: [{containerPort: 80}]
`

func TestParse(t *testing.T) {
	seen := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	pod, err := Parse([]byte(webYAML), "/etc/m/web.yaml", "Node1", seen)
	if err != nil {
		t.Fatal(err)
	}
	if pod.Name != "web-node1" || pod.Namespace != "default" || pod.Spec.NodeName != "Node1" {
		t.Errorf("name %s/%s node %s", pod.Namespace, pod.Name, pod.Spec.NodeName)
	}
	if len(pod.UID) != 32 || pod.Annotations[AnnotationHash] != string(pod.UID) {
		t.Errorf("uid %q hash %q", pod.UID, pod.Annotations[AnnotationHash])
	}
	if pod.Annotations[AnnotationSource] != "file" || pod.Annotations[AnnotationSeen] != "2026-01-02T03:04:05.000000006Z" {
		t.Errorf("annotations %v", pod.Annotations)
	}
	if !IsStatic(pod) || IsMirror(pod) {
		t.Error("IsStatic/IsMirror")
	}
	if pod.Spec.RestartPolicy != corev1.RestartPolicyAlways || *pod.Spec.TerminationGracePeriodSeconds != 30 || pod.Spec.Containers[0].Ports[0].Protocol != corev1.ProtocolTCP {
		t.Errorf("defaults not applied: %+v", pod.Spec)
	}
	if tol := pod.Spec.Tolerations; len(tol) != 1 || tol[0].Effect != corev1.TaintEffectNoExecute || tol[0].Operator != corev1.TolerationOpExists {
		t.Errorf("tolerations %v", tol)
	}
	if pod.Status.Phase != corev1.PodPending {
		t.Errorf("phase %s", pod.Status.Phase)
	}
	mirror := pod.DeepCopy()
	mirror.Annotations[AnnotationMirror] = pod.Annotations[AnnotationHash]
	if !IsMirror(mirror) || !IsMirrorOf(mirror, pod) {
		t.Error("IsMirrorOf")
	}
}

func TestHash(t *testing.T) {
	at := time.Now()
	uid := func(data, file, node string) string {
		t.Helper()
		p, err := Parse([]byte(data), file, node, at)
		if err != nil {
			t.Fatal(err)
		}
		return string(p.UID)
	}
	base := uid(webYAML, "/m/web.yaml", "n1")
	json := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"app":"web"}},"spec":{"hostNetwork":true,"containers":[{"name":"c","image":"busybox","ports":[{"containerPort":80}]}]}}`
	if got := uid(json, "/m/web.yaml", "n1"); got != base {
		t.Errorf("same pod as JSON hashes differently: %s vs %s", got, base)
	}
	if uid(webYAML, "/m/web.yaml", "n1") != base {
		t.Error("hash is not stable")
	}
	for name, other := range map[string]string{
		"content": uid(strings.Replace(webYAML, "busybox", "nginx", 1), "/m/web.yaml", "n1"),
		"file":    uid(webYAML, "/m/other.yaml", "n1"),
		"node":    uid(webYAML, "/m/web.yaml", "n2"),
	} {
		if other == base {
			t.Errorf("changing the %s keeps the hash", name)
		}
	}
	withUID := strings.Replace(webYAML, "name: web\n", "name: web\n  uid: fixed\n", 1)
	if got := uid(withUID, "/m/web.yaml", "n1"); got != "fixed" {
		t.Errorf("manifest uid not kept: %s", got)
	}
}

func TestParseErrors(t *testing.T) {
	cases := map[string]string{
		"empty":      "  \n",
		"not yaml":   "{{{",
		"kind":       "apiVersion: v1\nkind: Service\nmetadata: {name: x}\n",
		"no name":    "apiVersion: v1\nkind: Pod\nspec: {containers: [{name: c, image: i}]}\n",
		"bad name":   "apiVersion: v1\nkind: Pod\nmetadata: {name: Bad_Name}\nspec: {containers: [{name: c, image: i}]}\n",
		"none":       "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {}\n",
		"dup":        "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: c, image: i}, {name: c, image: i}]}\n",
		"no image":   "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: c}]}\n",
		"two docs":   webYAML + "---\n" + webYAML,
		"wrong type": "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: 5}\n",
	}
	for name, data := range cases {
		if _, err := Parse([]byte(data), "/m/f.yaml", "n1", time.Now()); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}
