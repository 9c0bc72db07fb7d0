package app

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/wharfhq/wharf/proto/client"
	tp "github.com/wharfhq/wharf/scheduler/internal/testpods"
)

var scheduledRE = regexp.MustCompile(`scheduler_schedule_attempts_total\{result="scheduled"\} (\d+)`)

func scheduledCount(t *testing.T, addr string) int {
	t.Helper()
	m := scheduledRE.FindStringSubmatch(httpGet(t, "http://"+addr+"/metrics"))
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// bindWatcher records every nodeName each pod was seen with.
type bindWatcher struct {
	mu    sync.Mutex
	nodes map[string]map[string]bool
}

func watchBinds(t *testing.T, k *cluster) *bindWatcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w, err := client.Pods(k.c, "default").Watch(ctx, metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	bw := &bindWatcher{nodes: map[string]map[string]bool{}}
	go func() {
		defer w.Stop()
		for ev := range w.Events() {
			if ev.Type == watch.Error || ev.Object == nil || ev.Object.Spec.NodeName == "" {
				continue
			}
			bw.mu.Lock()
			if bw.nodes[ev.Object.Name] == nil {
				bw.nodes[ev.Object.Name] = map[string]bool{}
			}
			bw.nodes[ev.Object.Name][ev.Object.Spec.NodeName] = true
			bw.mu.Unlock()
		}
	}()
	return bw
}

func (bw *bindWatcher) check(t *testing.T) {
	t.Helper()
	bw.mu.Lock()
	defer bw.mu.Unlock()
	for pod, nodes := range bw.nodes {
		if len(nodes) != 1 {
			t.Errorf("pod %s was seen on nodes %v", pod, nodes)
		}
	}
}

func TestLeaderElectionNeverDoubleBinds(t *testing.T) {
	k := newCluster(t)
	for i := range 4 {
		k.createNode(tp.Node(fmt.Sprintf("n%d", i), "8", "16Gi"))
	}
	bw := watchBinds(t, k)
	le := func(id string) Options {
		return Options{LeaderElect: true, Identity: id, LeaseNamespace: "default",
			LeaseDuration: 2 * time.Second, RenewDeadline: 1500 * time.Millisecond, RetryPeriod: 200 * time.Millisecond}
	}
	addrA, stopA := k.startScheduler(le("a"))
	addrB, stopB := k.startScheduler(le("b"))
	for i := range 30 {
		k.createPod(tp.Pod(fmt.Sprintf("p%d", i), "100m", "100Mi"))
	}
	for i := range 30 {
		k.nodeOf(fmt.Sprintf("p%d", i))
	}
	a, b := scheduledCount(t, addrA), scheduledCount(t, addrB)
	if a+b != 30 || (a != 0 && b != 0) {
		t.Fatalf("scheduled by a=%d b=%d, want 30 by exactly one", a, b)
	}
	// Kill the leader; the standby takes over and schedules new pods.
	standbyAddr := addrB
	if a == 0 {
		stopB()
		standbyAddr = addrA
	} else {
		stopA()
	}
	for i := 30; i < 40; i++ {
		k.createPod(tp.Pod(fmt.Sprintf("p%d", i), "100m", "100Mi"))
	}
	for i := 30; i < 40; i++ {
		k.nodeOf(fmt.Sprintf("p%d", i))
	}
	if got := scheduledCount(t, standbyAddr); got != 10 {
		t.Fatalf("standby scheduled %d, want 10", got)
	}
	time.Sleep(200 * time.Millisecond) // let the watch deliver the last events
	bw.check(t)
}
