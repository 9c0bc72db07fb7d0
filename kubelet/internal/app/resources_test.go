package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/kubelet/internal/cgroups"
	"github.com/wharfhq/wharf/kubelet/internal/containerdtest"
	"github.com/wharfhq/wharf/kubelet/internal/eviction"
	"github.com/wharfhq/wharf/proto/client"
)

func limits(cpu, mem string) corev1.ResourceRequirements {
	rl := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}
	return corev1.ResourceRequirements{Limits: rl, Requests: rl.DeepCopy()}
}

func readCgroupFile(t *testing.T, ctl, p, file string) string {
	t.Helper()
	path := filepath.Join(cgroups.DefaultRoot, ctl, p, file)
	if _, err := os.Stat(filepath.Join(cgroups.DefaultRoot, "cgroup.controllers")); err == nil {
		path = filepath.Join(cgroups.DefaultRoot, p, file)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// TestKubeletResourcesAndOOM: limits reach the pod and container cgroups,
// a container over its memory limit is OOMKilled (lastState) and restarted,
// and a deleted pod's cgroup goes away.
func TestKubeletResourcesAndOOM(t *testing.T) {
	cl := newCluster(t)
	hog := cl.createPod(&corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "hog"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "c", Image: "tools", Command: []string{"sh", "-c", "head -c 200m /dev/zero | tail"},
			Resources: limits("500m", "32Mi"),
		}}},
	})
	res := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("16Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
	}
	sleeper := cl.createPod(&corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "sleeper"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "c", Image: "tools", Command: []string{"sleep", "1000"}, Resources: res,
		}}},
	})
	sp := cl.waitPod("sleeper", "Running", running)
	if sp.Status.QOSClass != corev1.PodQOSBurstable {
		t.Errorf("sleeper qosClass = %s", sp.Status.QOSClass)
	}
	podCg := filepath.Join(cl.opts.CgroupRoot, "burstable", "pod"+string(sleeper.UID))
	if _, err := os.Stat(filepath.Join(cgroups.DefaultRoot, "cgroup.controllers")); err != nil { // v1
		for _, c := range []struct{ ctl, p, file, want string }{
			{"memory", podCg + "/c-0", "memory.limit_in_bytes", "67108864"},
			{"cpu", podCg + "/c-0", "cpu.shares", "102"},
			{"cpu", podCg + "/c-0", "cpu.cfs_quota_us", "25000"},
			{"memory", podCg, "memory.limit_in_bytes", "67108864"},
			{"cpu", podCg, "cpu.cfs_quota_us", "25000"},
			{"cpu", filepath.Join(cl.opts.CgroupRoot, "besteffort"), "cpu.shares", ""},
		} {
			if c.want == "" {
				continue
			}
			if got := readCgroupFile(t, c.ctl, c.p, c.file); got != c.want {
				t.Errorf("%s %s/%s = %s, want %s", c.ctl, c.p, c.file, got, c.want)
			}
		}
	}
	hp := cl.waitPod("hog", "OOMKilled in lastState", func(p *corev1.Pod) bool {
		if len(p.Status.ContainerStatuses) == 0 {
			return false
		}
		cs := p.Status.ContainerStatuses[0]
		return cs.RestartCount >= 1 && cs.LastTerminationState.Terminated != nil
	})
	cs := hp.Status.ContainerStatuses[0]
	if term := cs.LastTerminationState.Terminated; term.Reason != "OOMKilled" || term.ExitCode != 137 {
		t.Errorf("hog lastState = %+v, want OOMKilled/137", term)
	}
	if hp.Status.QOSClass != corev1.PodQOSGuaranteed {
		t.Errorf("hog qosClass = %s", hp.Status.QOSClass)
	}
	for _, name := range []string{hog.Name, sleeper.Name} {
		if err := client.Pods(cl.c, "default").Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	waitGone(t, cl, "sleeper")
	if _, err := os.Stat(filepath.Join(cgroups.DefaultRoot, "memory", podCg)); err == nil {
		t.Errorf("pod cgroup %s still exists after the pod was deleted", podCg)
	}
}

// lowMemory reports 50Mi of memory available for the next n calls, then
// plenty.
type lowMemory struct{ n atomic.Int32 }

func (l *lowMemory) Stats(context.Context) (eviction.Stats, error) {
	st := eviction.Stats{MemoryAvailable: 10 << 30, MemoryCapacity: 16 << 30, DiskAvailable: 50 << 30, DiskCapacity: 100 << 30}
	if l.n.Add(-1) >= 0 {
		st.MemoryAvailable = 50 << 20
	}
	return st, nil
}

// TestKubeletPullSecretsReservedEviction: imagePullSecrets authenticate
// pulls, reservations shrink allocatable, and memory pressure evicts the
// BestEffort pod but not the Burstable one.
func TestKubeletPullSecretsReservedEviction(t *testing.T) {
	cl := newCluster(t)
	host := containerdtest.AuthRegistry(t, "alice", "s3cret")
	stats := &lowMemory{}
	checkAllocatable(t, cl, 100<<20) // started: only the default eviction threshold
	cl.stop()
	cl.opts.InsecureRegistries = []string{host}
	cl.opts.KubeReserved, cl.opts.SystemReserved = "cpu=200m,memory=512Mi", "memory=256Mi,ephemeral-storage=1Gi"
	cl.opts.EvictionHard, cl.opts.EvictionStats, cl.opts.EvictionPeriod = "memory.available<100Mi", stats, 200*time.Millisecond
	cl.start()

	checkAllocatable(t, cl, (512+256+100)<<20)
	ctx := context.Background()
	_, err := client.Secrets(cl.c, "default").Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "regcred"}, Type: corev1.SecretTypeDockerConfigJson,
		Data: map[string][]byte{corev1.DockerConfigJsonKey: []byte(`{"auths":{"http://` + host + `/v1/":{"auth":"YWxpY2U6czNjcmV0"}}}`)},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	image := host + "/wharf/private:v1"
	cl.createPod(&corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "private"},
		Spec: corev1.PodSpec{ImagePullSecrets: []corev1.LocalObjectReference{{Name: "regcred"}}, Containers: []corev1.Container{{
			Name: "c", Image: image, Command: []string{"sleep", "1000"},
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m")}},
		}}},
	})
	cl.createPod(&corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "anonymous"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image, ImagePullPolicy: corev1.PullAlways}}},
	})
	cl.waitPod("private", "Running", running)
	ap := cl.waitPod("anonymous", "a pull error", func(p *corev1.Pod) bool {
		w := waitingOf(p)
		return w != nil && (w.Reason == "ErrImagePull" || w.Reason == "ImagePullBackOff")
	})
	if w := waitingOf(ap); !strings.Contains(w.Message, "401") {
		t.Errorf("anonymous pull message = %q, want the registry's 401", w.Message)
	}

	cl.createPod(&corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "victim"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "tools", Command: []string{"sleep", "1000"}}}},
	})
	cl.waitPod("victim", "Running", running)
	if err := client.Pods(cl.c, "default").Delete(ctx, "anonymous", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	stats.n.Store(1)
	vp := cl.waitPod("victim", "Evicted", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
	if vp.Status.Reason != "Evicted" || !strings.Contains(vp.Status.Message, "low on resource: memory") {
		t.Errorf("victim status reason %q message %q", vp.Status.Reason, vp.Status.Message)
	}
	cl.waitPod("victim", "container killed", func(p *corev1.Pod) bool {
		return len(p.Status.ContainerStatuses) > 0 && p.Status.ContainerStatuses[0].State.Terminated != nil
	})
	pp := cl.waitPod("private", "still Running", running)
	if pp.Status.Phase != corev1.PodRunning {
		t.Errorf("burstable pod evicted too: %s", pp.Status.Phase)
	}
}

func waitingOf(p *corev1.Pod) *corev1.ContainerStateWaiting {
	if len(p.Status.ContainerStatuses) == 0 {
		return nil
	}
	return p.Status.ContainerStatuses[0].State.Waiting
}

// checkAllocatable waits until the node's allocatable memory is its
// capacity minus reserved; with more than the default 100Mi reserved it
// also checks the cpu and disk reservations of the test.
func checkAllocatable(t *testing.T, cl *cluster, reserved int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		n, err := client.Nodes(cl.c).Get(context.Background(), testNode, metav1.GetOptions{})
		if err == nil {
			capMem, allocMem := n.Status.Capacity[corev1.ResourceMemory], n.Status.Allocatable[corev1.ResourceMemory]
			capCPU, allocCPU := n.Status.Capacity[corev1.ResourceCPU], n.Status.Allocatable[corev1.ResourceCPU]
			capDisk, allocDisk := n.Status.Capacity[corev1.ResourceEphemeralStorage], n.Status.Allocatable[corev1.ResourceEphemeralStorage]
			if capMem.Value()-allocMem.Value() == reserved {
				if reserved > 100<<20 && (capCPU.MilliValue()-allocCPU.MilliValue() != 200 || capDisk.Value()-allocDisk.Value() != 1<<30) {
					t.Errorf("allocatable cpu %s of %s, disk %s of %s; mem %s of %s; reserved %d", allocCPU.String(), capCPU.String(), allocDisk.String(), capDisk.String(), allocMem.String(), capMem.String(), reserved)
				}
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("node allocatable memory never became capacity - %d", reserved)
}
