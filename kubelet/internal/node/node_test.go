package node

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
	"github.com/wharfhq/wharf/proto/client"
)

func TestStatusConditions(t *testing.T) {
	m := Machine{CPUs: 2, MemoryBytes: 4 << 30, ReservedCPUMilli: 100}
	t0 := time.Unix(1000, 0)
	st := Status(corev1.NodeStatus{}, m, Health{}, t0)
	if len(st.Conditions) != 4 || st.Conditions[3].Type != corev1.NodeReady || st.Conditions[3].Status != corev1.ConditionTrue {
		t.Fatalf("conditions = %+v", st.Conditions)
	}
	if q := st.Allocatable[corev1.ResourceCPU]; q.MilliValue() != 1900 {
		t.Errorf("allocatable cpu = %s", q.String())
	}
	if q := st.Capacity[corev1.ResourcePods]; q.Value() != MaxPods {
		t.Errorf("pods = %s", q.String())
	}
	t1 := t0.Add(20 * time.Second)
	same := Status(st, m, Health{}, t1)
	if NeedsUpdate(st, same, t1, time.Minute) {
		t.Error("unchanged status needs an update before the period")
	}
	if !NeedsUpdate(st, same, t0.Add(time.Minute), time.Minute) {
		t.Error("status not refreshed after the period")
	}
	bad := Status(st, m, Health{Problem: "runtime down"}, t1)
	if !NeedsUpdate(st, bad, t1, time.Minute) || bad.Conditions[3].Status != corev1.ConditionFalse || !bad.Conditions[3].LastTransitionTime.Time.Equal(t1) {
		t.Errorf("NotReady not reported: %+v", bad.Conditions[3])
	}
	if !same.Conditions[3].LastTransitionTime.Time.Equal(t0) {
		t.Error("transition time moved without a transition")
	}
}

func TestRegisterLeaseStatus(t *testing.T) {
	s := apiservertest.Start(t)
	c, err := client.New(&client.Config{Host: s.URL})
	if err != nil {
		t.Fatal(err)
	}
	a := NewAgent(Config{Client: c, Name: "n1", PodCIDR: "10.244.3.0/24", Machine: DetectMachine("n1", t.TempDir(), "192.0.2.10"), RenewInterval: 50 * time.Millisecond})
	if err := a.Register(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := a.Register(t.Context()); err != nil {
		t.Fatalf("second register: %v", err)
	}
	cidr, err := a.WaitForPodCIDR(t.Context())
	if err != nil || cidr != "10.244.3.0/24" {
		t.Fatalf("podCIDR = %q, %v", cidr, err)
	}
	n, err := client.Nodes(c).Get(t.Context(), "n1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n.Labels["kubernetes.io/hostname"] != "n1" || len(n.Status.Conditions) != 4 || n.Status.Addresses[0].Address != "192.0.2.10" {
		t.Errorf("node = %+v", n)
	}
	if q := n.Status.Capacity[corev1.ResourceMemory]; q.IsZero() {
		t.Error("memory capacity is zero")
	}
	if err := a.renewLease(t.Context()); err != nil {
		t.Fatal(err)
	}
	l1, err := client.Leases(c, LeaseNamespace).Get(t.Context(), "n1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.renewLease(t.Context()); err != nil {
		t.Fatal(err)
	}
	l2, _ := client.Leases(c, LeaseNamespace).Get(t.Context(), "n1", metav1.GetOptions{})
	if *l2.Spec.HolderIdentity != "n1" || !l2.Spec.RenewTime.After(l1.Spec.RenewTime.Time) {
		t.Errorf("lease not renewed: %v -> %v", l1.Spec.RenewTime, l2.Spec.RenewTime)
	}
}
