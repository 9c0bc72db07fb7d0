package deployment

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func rollingDeployment(replicas int32, surge, unavailable intstr.IntOrString) *appsv1.Deployment {
	return &appsv1.Deployment{Spec: appsv1.DeploymentSpec{
		Replicas: &replicas,
		Strategy: appsv1.DeploymentStrategy{
			Type:          appsv1.RollingUpdateDeploymentStrategyType,
			RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable},
		},
	}}
}

func rs(name string, spec, replicas, available int32, age int) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.Unix(int64(1000-age), 0)},
		Spec:       appsv1.ReplicaSetSpec{Replicas: &spec},
		Status:     appsv1.ReplicaSetStatus{Replicas: replicas, AvailableReplicas: available},
	}
}

func TestFenceposts(t *testing.T) {
	for _, tc := range []struct {
		replicas     int32
		surge, unav  intstr.IntOrString
		wantS, wantU int32
	}{
		{10, intstr.FromString("25%"), intstr.FromString("25%"), 3, 2},
		{3, intstr.FromInt32(1), intstr.FromInt32(0), 1, 0},
		{3, intstr.FromInt32(0), intstr.FromInt32(0), 0, 1},
		{1, intstr.FromString("25%"), intstr.FromString("25%"), 1, 0},
		{3, intstr.FromInt32(0), intstr.FromInt32(5), 0, 3},
	} {
		d := rollingDeployment(tc.replicas, tc.surge, tc.unav)
		if s, u := maxSurge(d), maxUnavailable(d); s != tc.wantS || u != tc.wantU {
			t.Errorf("%d replicas %v/%v: got surge %d unavailable %d, want %d %d", tc.replicas, tc.surge.String(), tc.unav.String(), s, u, tc.wantS, tc.wantU)
		}
	}
}

func TestNewRSReplicas(t *testing.T) {
	for _, tc := range []struct {
		name  string
		surge int32
		old   *appsv1.ReplicaSet
		newRS *appsv1.ReplicaSet
		want  int32
	}{
		{"surge budget one", 1, rs("old", 3, 3, 3, 2), rs("new", 0, 0, 0, 1), 1},
		{"budget used", 1, rs("old", 3, 3, 3, 2), rs("new", 1, 1, 0, 1), 1},
		{"old shrunk frees budget", 1, rs("old", 2, 2, 2, 2), rs("new", 1, 1, 1, 1), 2},
		{"old pods still exist", 1, rs("old", 2, 3, 3, 2), rs("new", 1, 1, 1, 1), 1},
		{"never beyond replicas", 5, rs("old", 0, 0, 0, 2), rs("new", 1, 1, 1, 1), 3},
		{"no surge", 0, rs("old", 3, 3, 3, 2), rs("new", 0, 0, 0, 1), 0},
	} {
		d := rollingDeployment(3, intstr.FromInt32(tc.surge), intstr.FromInt32(1))
		if got := newRSReplicas(d, []*appsv1.ReplicaSet{tc.old, tc.newRS}, tc.newRS); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestPlanOldScaleDown(t *testing.T) {
	for _, tc := range []struct {
		name        string
		unavailable int32
		old         []*appsv1.ReplicaSet
		newRS       *appsv1.ReplicaSet
		want        map[string]int32
	}{
		{"new not yet available", 0, []*appsv1.ReplicaSet{rs("a", 3, 3, 3, 2)}, rs("n", 1, 1, 0, 1), nil},
		{"new available: one old goes", 0, []*appsv1.ReplicaSet{rs("a", 3, 3, 3, 2)}, rs("n", 1, 1, 1, 1), map[string]int32{"a": 2}},
		{"max unavailable 1 from start", 1, []*appsv1.ReplicaSet{rs("a", 3, 3, 3, 2)}, rs("n", 1, 1, 0, 1), map[string]int32{"a": 2}},
		{"unhealthy old go first", 0, []*appsv1.ReplicaSet{rs("a", 2, 2, 2, 3), rs("b", 2, 2, 0, 2)}, rs("n", 0, 0, 0, 1), map[string]int32{"b": 1}},
		{"stale status capped by spec", 0, []*appsv1.ReplicaSet{rs("a", 2, 3, 3, 2)}, rs("n", 2, 2, 1, 1), nil},
		{"nothing old", 1, []*appsv1.ReplicaSet{rs("a", 0, 0, 0, 2)}, rs("n", 3, 3, 0, 1), nil},
	} {
		d := rollingDeployment(3, intstr.FromInt32(1), intstr.FromInt32(tc.unavailable))
		got := planOldScaleDown(d, tc.old, tc.newRS)
		if len(got) != len(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
			continue
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
			}
		}
	}
}

func TestPlanScale(t *testing.T) {
	d := rollingDeployment(10, intstr.FromInt32(2), intstr.FromInt32(0))
	got := planScale(d, rs("n", 4, 4, 4, 1), []*appsv1.ReplicaSet{rs("a", 4, 4, 4, 2)})
	if got["n"]+got["a"] != 12 || got["n"] < 4 || got["a"] < 4 {
		t.Fatalf("proportional scale up to 12: %v", got)
	}
	got = planScale(d, rs("n", 1, 1, 1, 1), nil)
	if got["n"] != 10 {
		t.Fatalf("single RS takes all: %v", got)
	}
}

func TestComputeHashStableAndSalted(t *testing.T) {
	d := rollingDeployment(1, intstr.FromInt32(1), intstr.FromInt32(0))
	d.Spec.Template.Labels = map[string]string{"app": "x"}
	one := int32(1)
	a, b, c := ComputeHash(&d.Spec.Template, nil), ComputeHash(&d.Spec.Template, nil), ComputeHash(&d.Spec.Template, &one)
	if a != b || a == c || a == "" {
		t.Fatalf("hashes %q %q %q", a, b, c)
	}
	tmpl := d.Spec.Template.DeepCopy()
	tmpl.Labels = withLabel(tmpl.Labels, HashLabel, a)
	if !equalIgnoreHash(tmpl, &d.Spec.Template) {
		t.Fatal("templates differing only by the hash label must be equal")
	}
}
