package replication

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func pod(name, node string, phase corev1.PodPhase, ready bool, created time.Time) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(created), Labels: map[string]string{"app": "x"}}}
	p.Spec.NodeName, p.Status.Phase = node, phase
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: status, LastTransitionTime: metav1.NewTime(created)}}
	return p
}

func TestRankForDeletion(t *testing.T) {
	t0 := time.Unix(1000, 0)
	pods := []*corev1.Pod{
		pod("running-ready-old", "n1", corev1.PodRunning, true, t0),
		pod("running-ready-new", "n1", corev1.PodRunning, true, t0.Add(time.Hour)),
		pod("running-notready", "n1", corev1.PodRunning, false, t0),
		pod("pending", "n1", corev1.PodPending, false, t0),
		pod("unscheduled", "", corev1.PodPending, false, t0),
	}
	rankForDeletion(pods)
	want := []string{"unscheduled", "pending", "running-notready", "running-ready-new", "running-ready-old"}
	for i, p := range pods {
		if p.Name != want[i] {
			t.Fatalf("position %d: got %s want %s", i, p.Name, want[i])
		}
	}
}

func TestCalculateStatus(t *testing.T) {
	now := time.Unix(10000, 0)
	pods := []*corev1.Pod{
		pod("a", "n", corev1.PodRunning, true, now.Add(-time.Hour)),
		pod("b", "n", corev1.PodRunning, true, now.Add(-time.Second)),
		pod("c", "n", corev1.PodRunning, false, now),
	}
	pods[2].Labels = map[string]string{"other": "y"}
	st := calculateStatus(pods, map[string]string{"app": "x"}, 10, 7, now)
	want := Status{Replicas: 3, FullyLabeledReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 1, ObservedGeneration: 7}
	if st != want {
		t.Fatalf("got %+v want %+v", st, want)
	}
}

func TestSlowStartBatch(t *testing.T) {
	var calls atomic.Int32
	done, err := slowStartBatch(10, func() error { calls.Add(1); return nil })
	if done != 10 || err != nil || calls.Load() != 10 {
		t.Fatalf("all succeed: done=%d calls=%d err=%v", done, calls.Load(), err)
	}
	// Fail from the 4th call on: batches 1, 2 succeed, batch of 4 fails;
	// the batch of 8 is never started.
	calls.Store(0)
	done, err = slowStartBatch(20, func() error {
		if calls.Add(1) > 3 {
			return errors.New("quota")
		}
		return nil
	})
	if err == nil || done != 3 || calls.Load() != 7 {
		t.Fatalf("failing: done=%d calls=%d err=%v", done, calls.Load(), err)
	}
}
