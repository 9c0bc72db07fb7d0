package app

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
	"github.com/wharfhq/wharf/kubelet/internal/containerdtest"
	"github.com/wharfhq/wharf/proto/client"
)

// newTLSCluster is newCluster against an HTTPS apiserver with the
// ServiceAccount admission (token volumes) and the pods/log proxy; the node
// reports 127.0.0.1 so the apiserver reaches the kubelet's server.
func newTLSCluster(t *testing.T, mods ...func(*Options)) (*cluster, *apiservertest.Server) {
	cgroupRoot := containerdtest.CgroupParent(t)
	d := containerdtest.Start(t)
	imgs := containerdtest.Images(t)
	s := apiservertest.Start(t, apiservertest.WithTLS())
	opts := Options{
		Kubeconfig: s.Kubeconfig, NodeName: testNode, RootDir: filepath.Join(d.Dir, "kubelet"), ContainerdAddress: d.Address,
		ImageImportDir: imgs, PodCIDR: testCIDR, NodeIP: "127.0.0.1", HostNetNS: d.NetNS,
		Runtime: "containerd", CgroupRoot: cgroupRoot, KubeletAddress: "127.0.0.1", KubeletPort: freePort(t),
		Log: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	for _, f := range mods {
		f(&opts)
	}
	c, err := opts.client()
	if err != nil {
		t.Fatal(err)
	}
	cl := &cluster{t: t, d: d, c: c, opts: opts}
	cl.start()
	t.Cleanup(cl.stop)
	return cl, s
}

// TestKubeletFeatures covers service links, volumes, probes and logs on
// real containerd against an HTTPS apiserver.
func TestKubeletFeatures(t *testing.T) {
	cl, _ := newTLSCluster(t)
	ctx := context.Background()
	svc, err := client.Services(cl.c, "default").Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "hello-openshift"},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 27017}}, Selector: map[string]string{"app": "x"}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.ConfigMaps(cl.c, "default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg"}, Data: map[string]string{"key": "v1"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Secrets(cl.c, "default").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "sec"}, Data: map[string][]byte{"pw": []byte("s3cret")}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	logger := cl.createPod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "logger"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "c", Image: "tools", Command: []string{"sh", "-c", "echo line-1; echo line-2; echo line-3; i=4; while true; do echo line-$i; i=$((i+1)); sleep 0.3; done"},
	}}}})
	vp := cl.createPod(volumesPod())
	live := cl.createPod(livenessPod())
	ready := cl.createPod(readinessPod())
	checkVolumesAndEnv(t, cl, vp, svc.Spec.ClusterIP)
	checkLiveness(t, cl, live)
	checkReadiness(t, cl, ready)
	checkLogs(t, cl, logger)
}

// checkLogs: pods/log through the HTTPS apiserver reaches the kubelet's
// server with the apiserver's client certificate; tailLines and follow.
func checkLogs(t *testing.T, cl *cluster, logger *corev1.Pod) {
	cl.waitPod(logger.Name, "running", running)
	ctx := context.Background()
	read := func(opts *corev1.PodLogOptions) string {
		t.Helper()
		rc, err := client.PodLogs(ctx, cl.c, "default", logger.Name, opts)
		if err != nil {
			t.Fatalf("pods/log: %v", err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if all := read(nil); !strings.HasPrefix(all, "line-1\nline-2\nline-3\n") {
		t.Errorf("logs = %q", all)
	}
	one := int64(1)
	if tail := read(&corev1.PodLogOptions{TailLines: &one}); strings.Count(tail, "\n") != 1 || !strings.HasPrefix(tail, "line-") {
		t.Errorf("tailLines=1 = %q", tail)
	}
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	rc, err := client.PodLogs(fctx, cl.c, "default", logger.Name, &corev1.PodLogOptions{Follow: true, TailLines: &one})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	var got []string
	for len(got) < 4 && sc.Scan() {
		got = append(got, sc.Text())
	}
	if len(got) < 4 || got[0] == got[3] {
		t.Errorf("follow read %q (err %v)", got, sc.Err())
	}
	port := strconv.Itoa(cl.opts.KubeletPort)
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // test
	for path, want := range map[string]int{"/healthz": 200, "/containerLogs/default/logger/c": 401, "/pods": 401} {
		resp, err := insecure.Get("https://127.0.0.1:" + port + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s without a client certificate = %d, want %d", path, resp.StatusCode, want)
		}
	}
}

func livenessPod() *corev1.Pod {
	one := int64(1)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "live"},
		Spec: corev1.PodSpec{TerminationGracePeriodSeconds: &one, Containers: []corev1.Container{{
			Name: "c", Image: "tools", Command: []string{"sh", "-c", "touch /tmp/healthy; sleep 3; rm /tmp/healthy; sleep 1000"},
			LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"cat", "/tmp/healthy"}}},
				PeriodSeconds: 1, FailureThreshold: 2},
		}}},
	}
}

func readinessPod() *corev1.Pod {
	one := int64(1)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "ready"},
		Spec: corev1.PodSpec{TerminationGracePeriodSeconds: &one, Containers: []corev1.Container{
			{Name: "web", Image: "hello", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromString("http")}}, PeriodSeconds: 1},
				LivenessProbe:  &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)}}, PeriodSeconds: 1}},
			{Name: "gate", Image: "tools", Command: []string{"sh", "-c", "sleep 1000"},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"test", "-f", "/tmp/ready"}}}, PeriodSeconds: 1}},
		}},
	}
}

// checkLiveness: a failing liveness probe restarts the container, with
// Unhealthy and Killing events.
func checkLiveness(t *testing.T, cl *cluster, live *corev1.Pod) {
	lp := cl.waitPod(live.Name, "restarted by its liveness probe", func(p *corev1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount >= 1
	})
	if lt := lp.Status.ContainerStatuses[0].LastTerminationState.Terminated; lt == nil {
		t.Errorf("no lastState after a liveness restart: %+v", lp.Status.ContainerStatuses[0])
	}
	evs, err := client.Events(cl.c, "default").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, e := range evs.Items {
		if e.InvolvedObject.Name == live.Name {
			reasons = append(reasons, e.Reason+": "+e.Message)
		}
	}
	if all := strings.Join(reasons, "\n"); !strings.Contains(all, "Unhealthy: Liveness probe failed") || !strings.Contains(all, "failed liveness probe, will be restarted") {
		t.Errorf("events = %s", all)
	}
}

// checkReadiness: readiness probes drive containers' ready and the pod's
// Ready condition; an httpGet on a named port and a tcpSocket liveness
// probe keep the web container ready and running.
func checkReadiness(t *testing.T, cl *cluster, ready *corev1.Pod) {
	podReady := func(p *corev1.Pod) corev1.ConditionStatus {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady {
				return c.Status
			}
		}
		return ""
	}
	rp := cl.waitPod(ready.Name, "web ready, gate not", func(p *corev1.Pod) bool {
		cs := p.Status.ContainerStatuses
		return len(cs) == 2 && cs[0].Ready && !cs[1].Ready && cs[1].State.Running != nil && podReady(p) == corev1.ConditionFalse
	})
	id := strings.TrimPrefix(rp.Status.ContainerStatuses[1].ContainerID, "containerd://")
	if code, err := runtimeClient(t, cl).Exec(context.Background(), id, []string{"touch", "/tmp/ready"}); err != nil || code != 0 {
		t.Fatalf("exec touch: %d %v", code, err)
	}
	rp = cl.waitPod(ready.Name, "Ready condition True", func(p *corev1.Pod) bool { return podReady(p) == corev1.ConditionTrue })
	if rc := rp.Status.ContainerStatuses[0].RestartCount; rc != 0 {
		t.Errorf("web restarted %d times under a passing tcpSocket liveness probe", rc)
	}
	if code, err := runtimeClient(t, cl).Exec(context.Background(), id, []string{"rm", "/tmp/ready"}); err != nil || code != 0 {
		t.Fatalf("exec rm: %d %v", code, err)
	}
	cl.waitPod(ready.Name, "Ready condition False again", func(p *corev1.Pod) bool { return podReady(p) == corev1.ConditionFalse })
}

func volumesPod() *corev1.Pod {
	mounts := []corev1.VolumeMount{{Name: "shared", MountPath: "/shared"}, {Name: "cfg", MountPath: "/cfg"}, {Name: "sec", MountPath: "/sec", ReadOnly: true}}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "vols"},
		Spec: corev1.PodSpec{
			Volumes: []corev1.Volume{
				{Name: "shared", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}}},
				{Name: "sec", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "sec"}}},
			},
			Containers: []corev1.Container{
				{Name: "a", Image: "tools", VolumeMounts: mounts, Command: []string{"sh", "-c",
					"env > /shared/env; grep ' /sec ' /proc/mounts > /shared/secmount; cat /sec/pw > /shared/pw; " +
						"cat /var/run/secrets/kubernetes.io/serviceaccount/namespace > /shared/ns; echo from-a > /shared/a; sleep 1000"}},
				{Name: "b", Image: "tools", VolumeMounts: mounts, Command: []string{"sh", "-c",
					"until [ -f /shared/a ]; do sleep 0.2; done; cat /shared/a > /shared/b-saw; while true; do cat /cfg/key > /shared/cfg-now.tmp; mv /shared/cfg-now.tmp /shared/cfg-now; sleep 0.3; done"}},
			},
		},
	}
}

// checkVolumesAndEnv: service-link env vars, emptyDir shared by two
// containers, secret on tmpfs, projected token volume, a ConfigMap change
// reaching the mounted file, and cleanup of the mounts with the pod.
func checkVolumesAndEnv(t *testing.T, cl *cluster, vp *corev1.Pod, clusterIP string) {
	cl.waitPod(vp.Name, "both containers running", func(p *corev1.Pod) bool {
		return p.Status.Phase == corev1.PodRunning && len(p.Status.ContainerStatuses) == 2 &&
			p.Status.ContainerStatuses[0].Ready && p.Status.ContainerStatuses[1].Ready
	})
	podDir := filepath.Join(cl.opts.RootDir, "pods", string(vp.UID))
	shared := filepath.Join(podDir, "volumes", "kubernetes.io~empty-dir", "shared")
	waitFile(t, filepath.Join(shared, "b-saw"), "from-a")
	waitFile(t, filepath.Join(shared, "env"), "HELLO_OPENSHIFT_SERVICE_HOST="+clusterIP+"\n")
	waitFile(t, filepath.Join(shared, "env"), "HELLO_OPENSHIFT_PORT_27017_TCP_ADDR="+clusterIP+"\n")
	waitFile(t, filepath.Join(shared, "env"), "HELLO_OPENSHIFT_PORT=tcp://"+clusterIP+":27017\n")
	waitFile(t, filepath.Join(shared, "env"), "KUBERNETES_SERVICE_HOST=")
	waitFile(t, filepath.Join(shared, "secmount"), "tmpfs")
	waitFile(t, filepath.Join(shared, "pw"), "s3cret")
	waitFile(t, filepath.Join(shared, "ns"), "default")
	waitFile(t, filepath.Join(shared, "cfg-now"), "v1")
	cm, err := client.ConfigMaps(cl.c, "default").Get(context.Background(), "cfg", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data["key"] = "v2"
	if _, err := client.ConfigMaps(cl.c, "default").Update(context.Background(), cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFile(t, filepath.Join(shared, "cfg-now"), "v2")
	if err := client.Pods(cl.c, "default").Delete(context.Background(), vp.Name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
		t.Fatal(err)
	}
	waitGone(t, cl, vp.Name)
	deadline := time.Now().Add(60 * time.Second)
	for {
		mi, _ := os.ReadFile("/proc/self/mountinfo")
		_, err := os.Stat(podDir)
		if !strings.Contains(string(mi), podDir) && os.IsNotExist(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod dir or mounts left under %s after delete: %v", podDir, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
