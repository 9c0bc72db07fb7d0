package deployment

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestProgressConditions(t *testing.T) {
	now := time.Unix(1000, 0)
	d := rollingDeployment(3, intstr.FromInt32(1), intstr.FromInt32(0))
	deadline := int32(10)
	d.Spec.ProgressDeadlineSeconds = &deadline
	newRS := rs("web-abc", 3, 0, 0, 1)

	st := calculateStatus(d, []*appsv1.ReplicaSet{newRS}, newRS, now)
	if c := progressCondition(d, &st, newRS, now); c == nil || c.Reason != ReasonNewRSCreated {
		t.Fatalf("first condition %+v", c)
	}
	setCondition(&st, progressCondition(d, &st, newRS, now))
	d.Status = st

	newRS.Status.Replicas = 3 // pods exist: progress
	st = calculateStatus(d, []*appsv1.ReplicaSet{newRS}, newRS, now.Add(time.Second))
	if c := progressCondition(d, &st, newRS, now.Add(time.Second)); c == nil || c.Reason != ReasonRSUpdated {
		t.Fatalf("progress condition %+v", c)
	}
	setCondition(&st, progressCondition(d, &st, newRS, now.Add(time.Second)))
	d.Status = st

	later := now.Add(time.Second + 10*time.Second)
	st = calculateStatus(d, []*appsv1.ReplicaSet{newRS}, newRS, later)
	if c := progressCondition(d, &st, newRS, later); c == nil || c.Reason != ReasonTimedOut {
		t.Fatalf("no progress for the deadline must time out: %+v", c)
	}

	newRS.Status.ReadyReplicas, newRS.Status.AvailableReplicas = 3, 3
	st = calculateStatus(d, []*appsv1.ReplicaSet{newRS}, newRS, later)
	if c := progressCondition(d, &st, newRS, later); c == nil || c.Reason != ReasonNewRSAvailable {
		t.Fatalf("complete: %+v", c)
	}
	if a := getCondition(st, appsv1.DeploymentAvailable); a == nil || a.Status != "True" {
		t.Fatalf("available: %+v", a)
	}
}
