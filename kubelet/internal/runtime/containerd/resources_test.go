package containerd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharfhq/wharf/kubelet/internal/cgroups"
	"github.com/wharfhq/wharf/kubelet/internal/containerdtest"
	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// testCgroups is a Manager under a parent of this test only.
func testCgroups(t *testing.T) *cgroups.Manager {
	t.Helper()
	m, err := cgroups.NewManager(cgroups.Config{Parent: containerdtest.CgroupParent(t)})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func readCgroup(t *testing.T, m *cgroups.Manager, ctl, p, file string) string {
	t.Helper()
	path := filepath.Join(cgroups.DefaultRoot, ctl, p, file)
	if m.V2() {
		path = filepath.Join(cgroups.DefaultRoot, p, file)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

func TestContainerdResourcesAndOOM(t *testing.T) {
	cg := testCgroups(t)
	rt, _ := newTestRuntime(t)
	rt.cgroups = cg
	ctx := t.Context()
	pod := cg.Parent() + "/burstable/podu1"
	if err := cg.Ensure(pod, runtime.Resources{CPUShares: 1024, CPUQuota: 50000, CPUPeriod: 100000, MemoryLimit: 256 << 20}); err != nil {
		t.Fatal(err)
	}
	logDir := t.TempDir()
	run := func(name, script string, r *runtime.Resources) string {
		id, err := rt.CreateContainer(ctx, runtime.ContainerSpec{
			PodUID: "u1", PodNamespace: "default", PodName: "p", Name: name, Image: "tools",
			Command: []string{"sh", "-c", script}, CgroupParent: pod, Resources: r,
			LogPath: filepath.Join(logDir, name+".log"),
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := rt.StartContainer(ctx, id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	limited := &runtime.Resources{CPUShares: 512, CPUQuota: 50000, CPUPeriod: 100000, MemoryLimit: 32 << 20, PidsLimit: 64, OOMScoreAdj: 500}
	sleeper := run("sleeper", "cat /proc/self/oom_score_adj; sleep 300", limited)
	waitState(t, rt, sleeper, runtime.StateRunning)
	waitLog(t, filepath.Join(logDir, "sleeper.log"), "500")
	ctrPath := pod + "/sleeper-0"
	if cg.V2() {
		if got := readCgroup(t, cg, "", ctrPath, "memory.max"); got != "33554432" {
			t.Errorf("memory.max = %s", got)
		}
	} else {
		for _, c := range []struct{ ctl, file, want string }{
			{"memory", "memory.limit_in_bytes", "33554432"},
			{"cpu", "cpu.shares", "512"},
			{"cpu", "cpu.cfs_quota_us", "50000"},
			{"pids", "pids.max", "64"},
		} {
			if got := readCgroup(t, cg, c.ctl, ctrPath, c.file); got != c.want {
				t.Errorf("%s/%s = %s, want %s", c.ctl, c.file, got, c.want)
			}
		}
		if got := readCgroup(t, cg, "memory", pod, "memory.limit_in_bytes"); got != "268435456" {
			t.Errorf("pod memory.limit_in_bytes = %s", got)
		}
	}
	hog := run("hog", "head -c 200m /dev/zero | tail", limited)
	c := waitState(t, rt, hog, runtime.StateExited)
	if c.Reason != "OOMKilled" || c.ExitCode != 137 {
		t.Errorf("hog: reason %q exit %d, want OOMKilled 137", c.Reason, c.ExitCode)
	}
	if err := rt.StopContainer(ctx, sleeper, 0); err != nil {
		t.Fatal(err)
	}
	c = waitState(t, rt, sleeper, runtime.StateExited)
	if c.Reason != "Error" || c.ExitCode != 137 {
		t.Errorf("killed sleeper: reason %q exit %d, want Error 137", c.Reason, c.ExitCode)
	}
	for _, id := range []string{hog, sleeper} {
		if err := rt.RemoveContainer(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := cg.Remove(pod); err != nil {
		t.Errorf("remove pod cgroup after its containers: %v", err)
	}
}

func waitLog(t *testing.T, path, want string) {
	t.Helper()
	var data []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		data, _ = os.ReadFile(path)
		if strings.Contains(string(data), want) {
			return
		}
	}
	t.Errorf("%s: %q not found in %q", path, want, data)
}

func TestContainerdPullWithCredentials(t *testing.T) {
	rt, _ := newTestRuntime(t)
	host := containerdtest.AuthRegistry(t, "alice", "s3cret")
	rt.insecure[host] = true
	rt.resolver = rt.newResolver(nil)
	ref := host + "/wharf/private:v1"
	_, err := rt.EnsureImage(t.Context(), ref, runtime.PullIfNotPresent)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("anonymous pull: err = %v, want a 401", err)
	}
	bad := runtime.WithCredentials(t.Context(), []runtime.Credential{{Host: host, Username: "alice", Password: "wrong"}})
	if _, err := rt.EnsureImage(bad, ref, runtime.PullIfNotPresent); err == nil {
		t.Fatal("pull with a wrong password worked")
	}
	good := runtime.WithCredentials(t.Context(), []runtime.Credential{{Host: host, Username: "alice", Password: "s3cret"}})
	id, err := rt.EnsureImage(good, ref, runtime.PullIfNotPresent)
	if err != nil {
		t.Fatalf("pull with credentials: %v", err)
	}
	if !strings.Contains(id, "wharf/private@sha256:") {
		t.Errorf("image id = %q", id)
	}
}
