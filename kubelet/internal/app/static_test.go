package app

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/kubelet/internal/containerdtest"
	"github.com/wharfhq/wharf/kubelet/internal/runtime"
	"github.com/wharfhq/wharf/kubelet/internal/staticpods"
	"github.com/wharfhq/wharf/proto/client"
)

const staticManifest = `apiVersion: v1
kind: Pod
metadata:
  name: static-web
  labels: {tier: control-plane}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: tools
    command: ["sh", "-c", "echo static-started; while true; do sleep 1; done"]
`

// TestStaticPods: a manifest's pod runs with a mirror pod in the API that
// reports Running; a deleted mirror comes back without the pod
// restarting; removing the file stops the pod and deletes the mirror.
func TestStaticPods(t *testing.T) {
	manifests := t.TempDir()
	if err := os.WriteFile(filepath.Join(manifests, "web.yaml"), []byte(staticManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(manifests, "broken.yaml"), []byte("kind: Pod\n"), 0o644)
	cl := newCluster(t, func(o *Options) { o.PodManifestPath, o.FileCheckFrequency = manifests, time.Second })
	name := "static-web-" + testNode
	mirror := cl.waitPod(name, "a running mirror pod", running)
	if mirror.Annotations[staticpods.AnnotationSource] != "file" || mirror.Annotations[staticpods.AnnotationMirror] == "" ||
		mirror.Annotations[staticpods.AnnotationMirror] != mirror.Annotations[staticpods.AnnotationHash] || mirror.Annotations[staticpods.AnnotationSeen] == "" {
		t.Errorf("mirror annotations %v", mirror.Annotations)
	}
	if refs := mirror.OwnerReferences; len(refs) != 1 || refs[0].Kind != "Node" || refs[0].Name != testNode || refs[0].UID == "" {
		t.Errorf("mirror owner %v", refs)
	}
	staticUID := mirror.Annotations[staticpods.AnnotationHash]
	ctrs, err := listPod(t, cl, staticUID)
	if err != nil || len(ctrs) != 1 || ctrs[0].State != runtime.StateRunning {
		t.Fatalf("static pod containers %+v, %v", ctrs, err)
	}
	if err := client.Pods(cl.c, "default").Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	again := cl.waitPod(name, "a new mirror pod", func(p *corev1.Pod) bool { return p.UID != mirror.UID && running(p) })
	if again.DeletionTimestamp != nil {
		t.Errorf("new mirror is being deleted")
	}
	if now, err := listPod(t, cl, staticUID); err != nil || len(now) != 1 || now[0].ID != ctrs[0].ID || now[0].State != runtime.StateRunning {
		t.Errorf("deleting the mirror touched the static pod: %+v, %v", now, err)
	}
	if err := os.Remove(filepath.Join(manifests, "web.yaml")); err != nil {
		t.Fatal(err)
	}
	waitGone(t, cl, name)
	waitNoContainers(t, cl, staticUID)
}

// TestStaticPodWithoutAPIServer: static pods run although the apiserver
// never answers (how a control plane runs as static pods).
func TestStaticPodWithoutAPIServer(t *testing.T) {
	cgroupRoot := containerdtest.CgroupParent(t)
	d := containerdtest.Start(t)
	imgs := containerdtest.Images(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there: the apiserver is down
	c, err := client.New(&client.Config{Host: "http://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	manifests := t.TempDir()
	hostNet := strings.Replace(staticManifest, "spec:\n", "spec:\n  hostNetwork: true\n", 1)
	if err := os.WriteFile(filepath.Join(manifests, "web.yml"), []byte(hostNet), 0o644); err != nil {
		t.Fatal(err)
	}
	cl := &cluster{t: t, d: d, c: c, opts: Options{
		NodeName: testNode, RootDir: filepath.Join(d.Dir, "kubelet"), ContainerdAddress: d.Address,
		ImageImportDir: imgs, NodeIP: "10.244.1.1", HostNetNS: d.NetNS, Runtime: "containerd", Client: c,
		CgroupRoot: cgroupRoot, KubeletPort: -1, PodManifestPath: manifests,
		Log: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}}
	cl.start()
	t.Cleanup(cl.stop)
	rt := runtimeClient(t, cl)
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		ctrs, err := rt.ListContainers(context.Background(), map[string]string{runtime.LabelPodName: "static-web-" + testNode})
		if err == nil && len(ctrs) == 1 && ctrs[0].State == runtime.StateRunning {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("static pod not running without an apiserver")
}

func waitNoContainers(t *testing.T, cl *cluster, uid string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		ctrs, err := listPod(t, cl, uid)
		if err == nil && len(ctrs) == 0 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("containers of pod %s not removed", uid)
}
