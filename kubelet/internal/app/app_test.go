package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/kubelet/internal/ipam"
	"github.com/wharfhq/wharf/proto/client"
)

// TestKubeletOnContainerd walks the seed's hello pod and friends through a
// real kubelet on a private containerd against a real apiserver. The pods
// are created at once; the steps then check them in turn.
func TestKubeletOnContainerd(t *testing.T) {
	cl := newCluster(t)
	hello := cl.createPod(loadPod(t, "testdata/hello-pod.json"))
	crash := cl.createPod(crashPod())
	pair := cl.createPod(pairPod())
	missing := cl.createPod(&corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "missing"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "127.0.0.1:1/nothere:v1"}}},
	})

	hp := checkHello(t, cl, hello)
	checkPair(t, cl, pair)
	checkCrash(t, cl, crash)
	checkMissingImage(t, cl, missing)
	checkKubeletRestart(t, cl, hp)
	checkDelete(t, cl, hp)
}

func crashPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "crash"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "c", Image: "tools", Command: []string{"sh", "-c", "sleep 1; exit 1"},
		}}},
	}
}

func pairPod() *corev1.Pod {
	field := func(path string) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "pair", Labels: map[string]string{"app": "pair"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "server", Image: "hello"},
			{Name: "client", Image: "tools", Command: []string{"sh", "-c",
				"until wget -q -O /tmp/out http://127.0.0.1:8080/; do sleep 0.2; done; cat /tmp/out; echo POD=$POD_NAME APP=$APP; sleep 1000"},
				Env: []corev1.EnvVar{{Name: "POD_NAME", ValueFrom: field("metadata.name")}, {Name: "APP", ValueFrom: field("metadata.labels['app']")}}},
		}},
	}
}

// checkHello: the seed's hello pod runs with its own IP and answers over
// the pod network from the node's network namespace.
func checkHello(t *testing.T, cl *cluster, hello *corev1.Pod) *corev1.Pod {
	hp := cl.waitPod(hello.Name, "Running with an IP", running)
	if hp.Status.HostIP != "10.244.1.1" || !strings.HasPrefix(hp.Status.PodIP, "10.244.1.") {
		t.Errorf("hostIP %q podIP %q", hp.Status.HostIP, hp.Status.PodIP)
	}
	if body := getHello(t, cl, hp.Status.PodIP); strings.TrimSpace(body) != "Hello OpenShift!" {
		t.Fatalf("GET podIP:8080 = %q", body)
	}
	cs := hp.Status.ContainerStatuses[0]
	if !strings.HasPrefix(cs.ContainerID, "containerd://") || !strings.Contains(cs.ImageID, "@sha256:") || !cs.Ready {
		t.Errorf("container status = %+v", cs)
	}
	return hp
}

// checkPair: two containers of one pod share localhost; env from fieldRefs.
func checkPair(t *testing.T, cl *cluster, pair *corev1.Pod) {
	cl.waitPod(pair.Name, "both containers running", func(p *corev1.Pod) bool {
		return p.Status.Phase == corev1.PodRunning && len(p.Status.ContainerStatuses) == 2 &&
			p.Status.ContainerStatuses[0].Ready && p.Status.ContainerStatuses[1].Ready
	})
	logPath := filepath.Join(cl.opts.RootDir, "pod-logs", "default_pair_"+string(pair.UID), "client", "0.log")
	waitFile(t, logPath, "Hello OpenShift!")
	waitFile(t, logPath, "POD=pair APP=pair")
}

// checkCrash: a crashing container is restarted once at once, then backs off.
func checkCrash(t *testing.T, cl *cluster, crash *corev1.Pod) {
	cp := cl.waitPod(crash.Name, "restartCount 1 then CrashLoopBackOff", func(p *corev1.Pod) bool {
		if len(p.Status.ContainerStatuses) == 0 {
			return false
		}
		s := p.Status.ContainerStatuses[0]
		return s.RestartCount == 1 && s.State.Waiting != nil && s.State.Waiting.Reason == "CrashLoopBackOff"
	})
	if lt := cp.Status.ContainerStatuses[0].LastTerminationState.Terminated; lt == nil || lt.ExitCode != 1 || lt.Reason != "Error" {
		t.Errorf("lastState = %+v", cp.Status.ContainerStatuses[0].LastTerminationState)
	}
}

// checkMissingImage: ErrImagePull/ImagePullBackOff with the registry's message.
func checkMissingImage(t *testing.T, cl *cluster, missing *corev1.Pod) {
	mp := cl.waitPod(missing.Name, "ImagePullBackOff", func(p *corev1.Pod) bool {
		if len(p.Status.ContainerStatuses) == 0 || p.Status.ContainerStatuses[0].State.Waiting == nil {
			return false
		}
		return p.Status.ContainerStatuses[0].State.Waiting.Reason == "ImagePullBackOff"
	})
	if msg := mp.Status.ContainerStatuses[0].State.Waiting.Message; !strings.Contains(msg, "127.0.0.1:1") {
		t.Errorf("pull message = %q", msg)
	}
}

// checkKubeletRestart: a restarted kubelet leaves running containers alone.
func checkKubeletRestart(t *testing.T, cl *cluster, hp *corev1.Pod) {
	before := containerIDs(t, cl)
	cl.stop()
	cl.start()
	cl.waitPod(hp.Name, "Running after the kubelet restart", running)
	time.Sleep(3 * time.Second) // let the new kubelet run several syncs
	after := containerIDs(t, cl)
	for id, started := range before {
		if after[id] != started {
			t.Errorf("container %s changed across a kubelet restart: started %v -> %v", id, started, after[id])
		}
	}
	if body := getHello(t, cl, hp.Status.PodIP); strings.TrimSpace(body) != "Hello OpenShift!" {
		t.Errorf("after kubelet restart: %q", body)
	}
}

// checkDelete: deleting the pod stops its containers and frees its IP.
func checkDelete(t *testing.T, cl *cluster, hp *corev1.Pod) {
	if err := client.Pods(cl.c, "default").Delete(context.Background(), hp.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitGone(t, cl, hp.Name)
	if left, _ := listPod(t, cl, string(hp.UID)); len(left) != 0 {
		t.Errorf("containers left after delete: %+v", left)
	}
	store, err := ipam.New(filepath.Join(cl.opts.RootDir, "ipam"), testCIDR)
	if err != nil {
		t.Fatal(err)
	}
	allocs, _ := store.Allocations()
	if owner := allocs[hp.Status.PodIP]; owner != "" {
		t.Errorf("IP %s still held by %s", hp.Status.PodIP, owner)
	}
	if _, err := os.Stat(filepath.Join(cl.opts.RootDir, "netns", string(hp.UID))); !os.IsNotExist(err) {
		t.Errorf("netns file after delete: %v", err)
	}
}
